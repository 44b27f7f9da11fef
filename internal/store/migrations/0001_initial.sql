-- Subscribers: the UDR's authentication subscription and the parts of the
-- access and mobility subscription go5g uses. snssais, default_snssai and
-- dnns are JSON text (arrays of {"sst":1,"sd":"000001"}, one such object,
-- an array of strings). k and opc pass through the store's secret box.
CREATE TABLE subscribers (
    supi           TEXT PRIMARY KEY,
    k              BYTEA NOT NULL,
    opc            BYTEA NOT NULL,
    amf            INTEGER NOT NULL CHECK (amf >= 0 AND amf <= 65535),
    sqn            BIGINT NOT NULL CHECK (sqn >= 0 AND sqn <= 281474976710655),
    auth_method    TEXT NOT NULL CHECK (auth_method IN ('5G_AKA', 'EAP_AKA_PRIME')),
    snssais        TEXT NOT NULL,
    default_snssai TEXT NOT NULL,
    dnns           TEXT NOT NULL,
    ambr_uplink    BIGINT NOT NULL CHECK (ambr_uplink > 0),
    ambr_downlink  BIGINT NOT NULL CHECK (ambr_downlink > 0)
);

-- Home network key pairs for SUCI de-concealment (TS 33.501 Annex C); the
-- public key is derived from private_key, which passes through the secret box.
CREATE TABLE home_network_keys (
    id          INTEGER PRIMARY KEY CHECK (id >= 0 AND id <= 255),
    profile     TEXT NOT NULL CHECK (profile IN ('A', 'B')),
    private_key BYTEA NOT NULL
);

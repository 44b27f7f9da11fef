-- Subscriber profiles (issue 5): named templates whose values the API copies
-- into a new subscriber for every field the request leaves out. Subscribers
-- keep no link to their profile, so a profile may be changed or deleted
-- while subscribers created from it exist. Columns as in subscribers.
CREATE TABLE profiles (
    name           TEXT PRIMARY KEY,
    auth_method    TEXT NOT NULL CHECK (auth_method IN ('5G_AKA', 'EAP_AKA_PRIME')),
    snssais        TEXT NOT NULL,
    default_snssai TEXT NOT NULL,
    dnns           TEXT NOT NULL,
    ambr_uplink    BIGINT NOT NULL CHECK (ambr_uplink > 0),
    ambr_downlink  BIGINT NOT NULL CHECK (ambr_downlink > 0)
);

-- Operator PCF policies (issue 5), tried in (precedence, name) order; the
-- first whose conditions all hold applies to a PDU session. Empty text or
-- zero means "any" for a condition and "the subscribed value" for what the
-- policy authorizes. snssai, default_arp and pcc_rules are JSON text (an
-- S-NSSAI object, an ARP object, an array of PCC rules with their QoS).
CREATE TABLE policies (
    name                   TEXT PRIMARY KEY,
    precedence             INTEGER NOT NULL CHECK (precedence >= 0),
    dnn                    TEXT NOT NULL,
    snssai                 TEXT NOT NULL,
    supi_first             TEXT NOT NULL,
    supi_last              TEXT NOT NULL,
    session_ambr_uplink    BIGINT NOT NULL CHECK (session_ambr_uplink >= 0),
    session_ambr_downlink  BIGINT NOT NULL CHECK (session_ambr_downlink >= 0),
    default_5qi            INTEGER NOT NULL CHECK (default_5qi >= 0 AND default_5qi <= 255),
    default_arp            TEXT NOT NULL,
    default_priority_level INTEGER NOT NULL CHECK (default_priority_level >= 0 AND default_priority_level <= 127),
    pcc_rules              TEXT NOT NULL
);

CREATE INDEX policies_order ON policies (precedence, name);

/*
 * usrsctp_peer: one SCTP-over-UDP (RFC 6951) endpoint built on libusrsctp,
 * driven line by line from stdin by go5g's interop tests. One association
 * per process: usrsctp_init may run once per process, and a process per
 * scenario gives a fresh stack, fresh ports and a peer that a test can kill.
 *
 * Usage: usrsctp_peer -m listen|connect -a 127.0.0.1 -u LOCAL_UDP -p LOCAL_SCTP
 *                     [-U REMOTE_UDP -P REMOTE_SCTP] [-s STREAMS] [-h HB_MS]
 * -h sets the heartbeat interval and lowers RTO.Min to 100 ms.
 *
 * stdout, one event per line (a mutex keeps lines whole):
 *   ready                          bound (and listening)
 *   up IN OUT                      association established; stream counts
 *   msg SID PPID U HEX             a whole message (U: 1 if unordered)
 *   eof                            recvv returned 0 (graceful shutdown)
 *   err ERRNO                      recvv failed (ECONNRESET after ABORT)
 *   ok CMD | fail CMD ERRNO        result of a command
 * Errors that end the program go to stderr.
 * stdin commands:
 *   send SID PPID U HEX            usrsctp_sendv with SCTP_SENDV_SNDINFO
 *   shutdown                       usrsctp_shutdown(SHUT_WR): SHUTDOWN sequence
 *   abort REASON                   sendv with SCTP_ABORT: ABORT with a
 *                                  User-Initiated Abort cause (RFC 6458 §5.3.4)
 *   quit                           exit
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <usrsctp.h>

#define MAXMSG (1 << 20)

static pthread_mutex_t out_mu = PTHREAD_MUTEX_INITIALIZER;

static void emit(const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&out_mu);
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
	pthread_mutex_unlock(&out_mu);
}

static void die(const char *what)
{
	fprintf(stderr, "%s: %s\n", what, strerror(errno));
	exit(1);
}

static const char *errname(int e)
{
	switch (e) {
	case ECONNRESET: return "ECONNRESET";
	case ENOTCONN: return "ENOTCONN";
	case EPIPE: return "EPIPE";
	case ECONNREFUSED: return "ECONNREFUSED";
	case ETIMEDOUT: return "ETIMEDOUT";
	case ECONNABORTED: return "ECONNABORTED";
	case EINVAL: return "EINVAL";
	default: return "OTHER";
	}
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

static void *receiver(void *arg)
{
	struct socket *sock = arg;
	static char buf[MAXMSG];
	static char hex[2 * MAXMSG + 1];
	static const char digits[] = "0123456789abcdef";
	struct sctp_rcvinfo rcv, first;
	struct sockaddr_in from;
	socklen_t fromlen, infolen;
	unsigned int infotype;
	size_t len = 0;
	ssize_t n;
	int flags;

	memset(&first, 0, sizeof(first));
	for (;;) {
		if (len == MAXMSG) {
			fprintf(stderr, "message larger than %d bytes\n", MAXMSG);
			exit(1);
		}
		fromlen = sizeof(from);
		infolen = sizeof(rcv);
		infotype = 0;
		flags = 0;
		n = usrsctp_recvv(sock, buf + len, MAXMSG - len, (struct sockaddr *)&from,
		                  &fromlen, &rcv, &infolen, &infotype, &flags);
		if (n < 0) {
			emit("err %s", errname(errno));
			return NULL;
		}
		if (n == 0) {
			emit("eof");
			return NULL;
		}
		if (flags & MSG_NOTIFICATION)
			continue; /* none subscribed; skip defensively */
		if (len == 0) {
			if (infotype != SCTP_RECVV_RCVINFO) {
				fprintf(stderr, "no rcvinfo: SCTP_RECVRCVINFO ignored\n");
				exit(1);
			}
			first = rcv;
		}
		len += (size_t)n;
		if (!(flags & MSG_EOR))
			continue;
		for (size_t i = 0; i < len; i++) {
			hex[2 * i] = digits[(unsigned char)buf[i] >> 4];
			hex[2 * i + 1] = digits[(unsigned char)buf[i] & 15];
		}
		hex[2 * len] = 0;
		/* usrsctp passes the PPID through in network byte order. */
		emit("msg %u %u %d %s", first.rcv_sid, (unsigned)ntohl(first.rcv_ppid),
		     (first.rcv_flags & SCTP_UNORDERED) ? 1 : 0, hex);
		len = 0;
	}
}

static void set_common(struct socket *s, int streams)
{
	struct sctp_initmsg init;
	int on = 1;

	memset(&init, 0, sizeof(init));
	init.sinit_num_ostreams = (uint16_t)streams;
	init.sinit_max_instreams = (uint16_t)streams;
	if (usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_INITMSG, &init, sizeof(init)) < 0)
		die("SCTP_INITMSG");
	if (usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_RECVRCVINFO, &on, sizeof(on)) < 0)
		die("SCTP_RECVRCVINFO");
	if (usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_NODELAY, &on, sizeof(on)) < 0)
		die("SCTP_NODELAY");
}

static int do_send(struct socket *s, char *args)
{
	struct sctp_sndinfo si;
	unsigned sid, ppid, u;
	int off = 0;
	char *hex;
	size_t hl, n;
	unsigned char *data;
	ssize_t r;

	if (sscanf(args, "%u %u %u %n", &sid, &ppid, &u, &off) < 3 || off == 0)
		return EINVAL;
	hex = args + off;
	hl = strcspn(hex, "\r\n");
	if (hl % 2 != 0)
		return EINVAL;
	n = hl / 2;
	data = malloc(n ? n : 1);
	if (data == NULL)
		return ENOMEM;
	for (size_t i = 0; i < n; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
		if (hi < 0 || lo < 0) {
			free(data);
			return EINVAL;
		}
		data[i] = (unsigned char)(hi << 4 | lo);
	}
	memset(&si, 0, sizeof(si));
	si.snd_sid = (uint16_t)sid;
	/* usrsctp copies snd_ppid to the wire unchanged: network byte order. */
	si.snd_ppid = htonl(ppid);
	si.snd_flags = u ? SCTP_UNORDERED : 0;
	r = usrsctp_sendv(s, data, n, NULL, 0, &si, sizeof(si), SCTP_SENDV_SNDINFO, 0);
	free(data);
	return r < 0 ? errno : 0;
}

static int do_abort(struct socket *s, const char *reason)
{
	struct sctp_sndinfo si;
	size_t n = strcspn(reason, "\r\n");

	memset(&si, 0, sizeof(si));
	si.snd_flags = SCTP_ABORT;
	if (usrsctp_sendv(s, reason, n, NULL, 0, &si, sizeof(si), SCTP_SENDV_SNDINFO, 0) < 0)
		return errno;
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = NULL, *laddr = "127.0.0.1";
	int ludp = 0, lport = 0, rudp = 0, rport = 0, streams = 10, hb = 0, c;
	struct sockaddr_in sin;
	struct socket *s, *conn;
	struct sctp_status st;
	socklen_t sl;
	pthread_t rt;
	char *line = NULL;
	size_t cap = 0;

	while ((c = getopt(argc, argv, "m:a:u:p:U:P:s:h:")) != -1) {
		switch (c) {
		case 'm': mode = optarg; break;
		case 'a': laddr = optarg; break;
		case 'u': ludp = atoi(optarg); break;
		case 'p': lport = atoi(optarg); break;
		case 'U': rudp = atoi(optarg); break;
		case 'P': rport = atoi(optarg); break;
		case 's': streams = atoi(optarg); break;
		case 'h': hb = atoi(optarg); break;
		default: return 2;
		}
	}
	if (mode == NULL || ludp == 0 || lport == 0)
		return 2;

	/*
	 * As root, usrsctp also opens raw IP sockets for protocol 132 and then
	 * answers (ABORT, SHUTDOWN COMPLETE) every SCTP-over-IP packet of the
	 * host, breaking other tests' raw-IP associations. Drop root first: it
	 * then speaks SCTP over UDP only, which is all the interop tests use.
	 */
	if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0)) {
		perror("drop root");
		return 1;
	}
	usrsctp_init((uint16_t)ludp, NULL, NULL);
	/* Checksums on loopback too, as on any other path. */
	usrsctp_sysctl_set_sctp_no_csum_on_loopback(0);
	usrsctp_sysctl_set_sctp_blackhole(2);
	if (hb > 0) {
		/* A heartbeat goes out RTO + HB.interval after the last one
		 * (RFC 9260 §8.3); lower RTO.Min from 1 s so short tests see some. */
		usrsctp_sysctl_set_sctp_heartbeat_interval_default((uint32_t)hb);
		usrsctp_sysctl_set_sctp_rto_min_default(100);
		usrsctp_sysctl_set_sctp_rto_initial_default(200);
	}

	s = usrsctp_socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP, NULL, NULL, 0, NULL);
	if (s == NULL)
		die("usrsctp_socket");
	set_common(s, streams);

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)lport);
	if (inet_pton(AF_INET, laddr, &sin.sin_addr) != 1)
		return 2;
	if (usrsctp_bind(s, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		die("usrsctp_bind");

	if (strcmp(mode, "listen") == 0) {
		if (usrsctp_listen(s, 1) < 0)
			die("usrsctp_listen");
		emit("ready");
		conn = usrsctp_accept(s, NULL, NULL);
		if (conn == NULL)
			die("usrsctp_accept");
		set_common(conn, streams);
	} else if (strcmp(mode, "connect") == 0) {
		struct sctp_udpencaps enc;

		if (rudp == 0 || rport == 0)
			return 2;
		memset(&enc, 0, sizeof(enc));
		enc.sue_address.ss_family = AF_INET;
		enc.sue_port = htons((uint16_t)rudp);
		if (usrsctp_setsockopt(s, IPPROTO_SCTP, SCTP_REMOTE_UDP_ENCAPS_PORT, &enc, sizeof(enc)) < 0)
			die("SCTP_REMOTE_UDP_ENCAPS_PORT");
		emit("ready");
		sin.sin_port = htons((uint16_t)rport);
		if (usrsctp_connect(s, (struct sockaddr *)&sin, sizeof(sin)) < 0)
			die("usrsctp_connect");
		conn = s;
	} else {
		return 2;
	}

	memset(&st, 0, sizeof(st));
	sl = sizeof(st);
	if (usrsctp_getsockopt(conn, IPPROTO_SCTP, SCTP_STATUS, &st, &sl) < 0)
		die("SCTP_STATUS");
	emit("up %u %u", st.sstat_instrms, st.sstat_outstrms);
	if (pthread_create(&rt, NULL, receiver, conn) != 0)
		die("pthread_create");

	while (getline(&line, &cap, stdin) > 0) {
		int e = 0;

		if (strncmp(line, "send ", 5) == 0) {
			e = do_send(conn, line + 5);
			if (e) emit("fail send %s", errname(e)); else emit("ok send");
		} else if (strncmp(line, "shutdown", 8) == 0) {
			if (usrsctp_shutdown(conn, SHUT_WR) < 0) e = errno;
			if (e) emit("fail shutdown %s", errname(e)); else emit("ok shutdown");
		} else if (strncmp(line, "abort", 5) == 0) {
			e = do_abort(conn, line[5] == ' ' ? line + 6 : "");
			if (e) emit("fail abort %s", errname(e)); else emit("ok abort");
		} else if (strncmp(line, "quit", 4) == 0) {
			break;
		} else {
			emit("fail unknown EINVAL");
		}
	}
	fflush(stdout);
	_exit(0);
}

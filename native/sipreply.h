/* Minimal stateless SIP reply builder shared by reflector (-r) and udpgen (-R).
 *
 * Builds "SIP/2.0 200 OK" for a request the way a stateless proxy's sl_send_reply does:
 * copies every Via, From, To, Call-ID and CSeq line (long and compact header names),
 * adds a To tag when the request has none, ends with Content-Length: 0.
 * sipreply_build does the same for any status line, and for a callee's answers to INVITE
 * also copies the Record-Route lines and adds a Contact (RFC 3261 12.1.1).
 * No allocation, one pass over the header block. */
#ifndef HP_NATIVE_SIPREPLY_H
#define HP_NATIVE_SIPREPLY_H

#include <stddef.h>
#include <string.h>
#include <strings.h>

/* tag added to To when the request carries none; udpgen looks for it to prove that a
 * reply came from the responder and not from the proxy in the middle */
#define SIPREPLY_TO_TAG ";tag=udpr1"

static inline int sipreply_is_copied(const char *name, size_t n)
{
    switch (n) {
    case 1:
        return name[0] == 'v' || name[0] == 'V' || name[0] == 'f' || name[0] == 'F' ||
               name[0] == 't' || name[0] == 'T' || name[0] == 'i' || name[0] == 'I';
    case 2:
        return strncasecmp(name, "to", 2) == 0 ? 2 : 0;
    case 3:
        return strncasecmp(name, "via", 3) == 0;
    case 4:
        return strncasecmp(name, "from", 4) == 0 || strncasecmp(name, "cseq", 4) == 0;
    case 7:
        return strncasecmp(name, "call-id", 7) == 0;
    default:
        return 0;
    }
}

static inline int sipreply_is_to(const char *name, size_t n)
{
    return (n == 1 && (name[0] == 't' || name[0] == 'T')) ||
           (n == 2 && strncasecmp(name, "to", 2) == 0);
}

static inline int sipreply_has_tag(const char *s, size_t n)
{
    for (size_t i = 0; i + 4 <= n; i++) {
        if ((s[i] == 't' || s[i] == 'T') && strncasecmp(s + i, "tag=", 4) == 0 &&
            i > 0 && (s[i - 1] == ';' || s[i - 1] == ' ' || s[i - 1] == '\t'))
            return 1;
    }
    return 0;
}

static inline int sipreply_is_rr(const char *name, size_t n)
{
    return n == 12 && strncasecmp(name, "record-route", 12) == 0;
}

/* Returns the reply length, 0 when the datagram is not a request (a response, garbage, or an
 * ACK, which is never answered), -1 when the reply does not fit in cap. status is the status
 * line after "SIP/2.0 " ("180 Ringing"); dialog: also copy Record-Route and add contact
 * (a full "Contact: <...>\r\n" line) -- a callee's answer to an INVITE. */
static inline int sipreply_build(const char *req, size_t len, char *out, size_t cap, const char *status,
                                 int dialog, const char *contact)
{
    static const char tail[] = "Server: hp-native\r\nContent-Length: 0\r\n\r\n";
    if (len < 16 || memcmp(req, "SIP/", 4) == 0 || memcmp(req, "ACK ", 4) == 0)
        return 0;
    const char *end = req + len;
    const char *line = memchr(req, '\n', len);
    if (line == NULL)
        return 0;
    line++;
    size_t sl = strlen(status), cl = dialog && contact != NULL ? strlen(contact) : 0;
    size_t o = 8 + sl + 2;
    if (cap < o + cl + sizeof tail)
        return -1;
    memcpy(out, "SIP/2.0 ", 8);
    memcpy(out + 8, status, sl);
    out[o - 2] = '\r';
    out[o - 1] = '\n';
    int copying = 0;
    while (line < end) {
        const char *eol = memchr(line, '\n', (size_t)(end - line));
        if (eol == NULL)
            eol = end;
        size_t ll = (size_t)(eol - line);
        if (ll > 0 && line[ll - 1] == '\r')
            ll--;
        if (ll == 0)
            break; /* end of headers */
        if (line[0] == ' ' || line[0] == '\t') {
            /* folded continuation of the previous header */
            if (copying) {
                if (o + ll + 2 > cap)
                    return -1;
                o -= 2; /* join onto the previous line */
                out[o++] = ' ';
                memcpy(out + o, line, ll);
                o += ll;
                out[o++] = '\r';
                out[o++] = '\n';
            }
        } else {
            const char *colon = memchr(line, ':', ll);
            copying = 0;
            if (colon != NULL) {
                size_t nl = (size_t)(colon - line);
                while (nl > 0 && (line[nl - 1] == ' ' || line[nl - 1] == '\t'))
                    nl--;
                if (sipreply_is_copied(line, nl) || (dialog && sipreply_is_rr(line, nl))) {
                    int add_tag = sipreply_is_to(line, nl) && !sipreply_has_tag(colon, ll - (size_t)(colon - line));
                    size_t need = ll + 2 + (add_tag ? sizeof SIPREPLY_TO_TAG - 1 : 0);
                    if (o + need + cl + sizeof tail > cap)
                        return -1;
                    memcpy(out + o, line, ll);
                    o += ll;
                    if (add_tag) {
                        memcpy(out + o, SIPREPLY_TO_TAG, sizeof SIPREPLY_TO_TAG - 1);
                        o += sizeof SIPREPLY_TO_TAG - 1;
                    }
                    out[o++] = '\r';
                    out[o++] = '\n';
                    copying = 1;
                }
            }
        }
        line = eol + 1;
    }
    if (o + cl + sizeof tail - 1 > cap)
        return -1;
    if (cl > 0)
        memcpy(out + o, contact, cl);
    o += cl;
    memcpy(out + o, tail, sizeof tail - 1);
    return (int)(o + sizeof tail - 1);
}

static inline int sipreply_build_200(const char *req, size_t len, char *out, size_t cap)
{
    return sipreply_build(req, len, out, cap, "200 OK", 0, NULL);
}

#endif

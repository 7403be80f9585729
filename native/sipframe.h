/* Content-Length framing of SIP over a byte stream (RFC 3261 18.3), shared by streamgen and
 * streamreflector. */
#ifndef HP_NATIVE_SIPFRAME_H
#define HP_NATIVE_SIPFRAME_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stddef.h>
#include <string.h>
#include <strings.h>

/* Content-Length framing: the length of the whole message at b (header section, empty line, body),
 * 0 when incomplete, -1 when the header section has no readable Content-Length (or l) */
static inline long sipframe_length(const char *b, size_t len)
{
    const char *eoh = memmem(b, len, "\r\n\r\n", 4);
    if (eoh == NULL)
        return len > 16384 ? -1 : 0;
    size_t hl = (size_t)(eoh - b) + 4;
    const char *line = memchr(b, '\n', hl);
    while (line != NULL && line + 1 < eoh) {
        line++;
        const char *colon = memchr(line, ':', (size_t)(eoh - line));
        const char *eol = memchr(line, '\n', (size_t)(eoh + 2 - line));
        if (colon == NULL || eol == NULL)
            break;
        if (colon < eol) {
            size_t nl = (size_t)(colon - line);
            while (nl > 0 && (line[nl - 1] == ' ' || line[nl - 1] == '\t'))
                nl--;
            if ((nl == 14 && strncasecmp(line, "content-length", 14) == 0) || (nl == 1 && (line[0] | 0x20) == 'l')) {
                const char *v = colon + 1;
                while (v < eol && (*v == ' ' || *v == '\t'))
                    v++;
                long n = 0;
                int digits = 0;
                while (v < eol && *v >= '0' && *v <= '9' && digits < 9) {
                    n = n * 10 + (*v++ - '0');
                    digits++;
                }
                if (digits == 0)
                    return -1;
                return (size_t)hl + (size_t)n <= len ? (long)hl + n : 0;
            }
        }
        line = eol;
    }
    return -1;
}

#endif

/* csv.h - one CSV field (RFC 4180) that is safe to open in a spreadsheet.
 *
 * Host names, SSDP headers and vendor strings come off the wire: a cell
 * starting with = + - @ (or a tab or CR) would be run as a formula by
 * Excel or LibreOffice, so such a cell is written with a leading apostrophe
 * (the OWASP "CSV injection" advice), which shows the text as text. */
#ifndef OTW_CSV_H
#define OTW_CSV_H

#include <stdbool.h>
#include <stdio.h>

/* Writes s as one field, quoted when it holds a comma, quote or line end,
 * then "," or (last) CRLF. */
void otw_csv_field(FILE *out, const char *s, bool last);

#endif

/* libFuzzer: configuration text through parsing, --set and validation. */
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* first line (if any) is a --set assignment, the rest the file */
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    char *nl = strchr(text, '\n');
    const char *assignment = NULL;
    const char *body = text;
    if (nl && nl - text < 200) {
        *nl = '\0';
        assignment = text;
        body = nl + 1;
    }
    brook_config c;
    char err[1024];
    if (brook_config_load(&c, NULL, body, "fuzz.conf", err, sizeof err) == BROOK_OK) {
        if (assignment)
            brook_config_set(&c, assignment, err, sizeof err);
        brook_config_validate(&c, err, sizeof err);
    }
    brook_config_free(&c);
    free(text);
    return 0;
}

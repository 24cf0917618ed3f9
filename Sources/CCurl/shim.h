#ifndef SWIFTDUMP_CCURL_SHIM_H
#define SWIFTDUMP_CCURL_SHIM_H

#include <curl/curl.h>

/* Swift cannot call C's variadic functions: curl_easy_setopt and curl_easy_getinfo take their
   value as `...`. One wrapper per type of value. */

typedef size_t (*swiftdump_curl_data_callback)(char *, size_t, size_t, void *);

static inline CURLcode swiftdump_curl_set_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode swiftdump_curl_set_offset(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode swiftdump_curl_set_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode swiftdump_curl_set_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode swiftdump_curl_set_list(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode swiftdump_curl_set_callback(CURL *handle, CURLoption option, swiftdump_curl_data_callback value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode swiftdump_curl_get_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

#endif

#ifndef SWIFTDUMP_CMARIADB_SHIM_H
#define SWIFTDUMP_CMARIADB_SHIM_H

#include <stddef.h>
#include <mysql.h>
#include <errmsg.h>
#include <mysqld_error.h>

/* Swift cannot see function-like macros: mysql_library_init is one. */
static inline int swiftdump_mysql_library_init(void) {
    return mysql_library_init(0, NULL, NULL);
}

#endif

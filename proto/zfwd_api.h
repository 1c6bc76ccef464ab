/* SPDX-License-Identifier: GPL-2.0-only */
/* Names of the Varlink API, shared by zfwd and zfwctl so they cannot
 * drift. The interface itself is proto/io.openziti.zfwd.varlink. */
#ifndef ZFWD_API_H
#define ZFWD_API_H

#define ZFWD_INTERFACE "io.openziti.zfwd"
#define ZFWD_METHOD(name) ZFWD_INTERFACE "." name

#define ZFWD_DEFAULT_SOCKET "/run/zfwd/zfwd.sock"
#define ZFWD_DEFAULT_CONFIG "/etc/zfwd/zfwd.conf"
#define ZFWD_DEFAULT_PIN_ROOT "/sys/fs/bpf/zfwd"
#define ZFWD_DEFAULT_STATE_DIR "/var/lib/zfwd"
#define ZFWD_SOCKET_ENV "ZFWD_SOCKET"
#define ZFWD_DEFAULT_OWNER "local"

#define ZFWD_ERR_INVALID_RULE ZFWD_INTERFACE ".InvalidRule"
#define ZFWD_ERR_CONFLICT ZFWD_INTERFACE ".Conflict"
#define ZFWD_ERR_CAPACITY ZFWD_INTERFACE ".CapacityExceeded"
#define ZFWD_ERR_NOT_FOUND ZFWD_INTERFACE ".RuleNotFound"
#define ZFWD_ERR_SYSTEM ZFWD_INTERFACE ".SystemError"
#define ZFWD_ERR_NOT_MANAGED ZFWD_INTERFACE ".InterfaceNotManaged"

#define VARLINK_SERVICE "org.varlink.service"
#define VARLINK_ERR_INTERFACE_NOT_FOUND VARLINK_SERVICE ".InterfaceNotFound"
#define VARLINK_ERR_METHOD_NOT_FOUND VARLINK_SERVICE ".MethodNotFound"
#define VARLINK_ERR_METHOD_NOT_IMPLEMENTED VARLINK_SERVICE ".MethodNotImplemented"
#define VARLINK_ERR_INVALID_PARAMETER VARLINK_SERVICE ".InvalidParameter"
#define VARLINK_ERR_PERMISSION_DENIED VARLINK_SERVICE ".PermissionDenied"
#define VARLINK_ERR_EXPECTED_MORE VARLINK_SERVICE ".ExpectedMore"

/* Largest message either side accepts by default (bytes, NUL included). */
#define ZFWD_DEFAULT_MAX_MESSAGE (8u << 20)

#endif

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libmnl, loaded on first use. All netlink still goes through libmnl; the
 * library is just not linked. A linked library is mapped and relocated by
 * the dynamic loader at every process start, and `netnsctl exec`, which
 * never opens a netlink socket, has to start within 10% of a bare
 * setns+execve program (issue 5). Only commands that talk netlink pay the
 * dlopen, which costs the same as the loader's own work.
 *
 * Included by netlink.h after <libmnl/libmnl.h>: every mnl_* call of the
 * code base below becomes a call through the table, so call sites keep
 * libmnl's own names and signatures (the compiler checks them against the
 * real declarations). nl_open() loads it and reports a failure as an error;
 * any other first use of a missing library aborts, which cannot happen in
 * netnsctl because every message is built for a socket opened before. */
#pragma once

#include <libmnl/libmnl.h>
#include <stdbool.h>

#define MNLL_FUNCS(X)                                                            \
	X(mnl_socket_open2) X(mnl_socket_bind) X(mnl_socket_close)               \
	X(mnl_socket_get_fd) X(mnl_socket_get_portid) X(mnl_socket_sendto)       \
	X(mnl_socket_recvfrom) X(mnl_socket_setsockopt)                          \
	X(mnl_nlmsg_get_payload_len) X(mnl_nlmsg_put_header)                     \
	X(mnl_nlmsg_put_extra_header) X(mnl_nlmsg_ok) X(mnl_nlmsg_next)          \
	X(mnl_nlmsg_get_payload) X(mnl_nlmsg_get_payload_offset)                 \
	X(mnl_nlmsg_get_payload_tail) X(mnl_attr_get_type) X(mnl_attr_get_len)   \
	X(mnl_attr_get_payload_len) X(mnl_attr_get_payload) X(mnl_attr_get_u8)   \
	X(mnl_attr_get_u16) X(mnl_attr_get_u32) X(mnl_attr_get_u64)              \
	X(mnl_attr_get_str) X(mnl_attr_put) X(mnl_attr_put_u8)                   \
	X(mnl_attr_put_u16) X(mnl_attr_put_u32) X(mnl_attr_put_u64)              \
	X(mnl_attr_put_str) X(mnl_attr_put_strz) X(mnl_attr_put_check)           \
	X(mnl_attr_put_u8_check) X(mnl_attr_put_u16_check)                       \
	X(mnl_attr_put_u32_check) X(mnl_attr_put_u64_check)                      \
	X(mnl_attr_put_str_check) X(mnl_attr_put_strz_check)                     \
	X(mnl_attr_nest_start) X(mnl_attr_nest_start_check) X(mnl_attr_nest_end) \
	X(mnl_attr_nest_cancel) X(mnl_attr_type_valid) X(mnl_attr_validate)      \
	X(mnl_attr_validate2) X(mnl_attr_ok) X(mnl_attr_next) X(mnl_attr_parse)  \
	X(mnl_attr_parse_nested) X(mnl_attr_parse_payload) X(mnl_cb_run)         \
	X(mnl_cb_run2)

struct mnll {
#define MNLL_FIELD(f) __typeof__(&f) f;
	MNLL_FUNCS(MNLL_FIELD)
#undef MNLL_FIELD
};

extern struct mnll mnll_table;
extern bool mnll_loaded;

/* 0, or -errno with errno set when libmnl.so.0 cannot be loaded. */
int mnll_load(void);
/* The table; loads the library, and aborts if that fails. */
const struct mnll *mnll_must(void);

static inline const struct mnll *mnll_get(void)
{
	return __builtin_expect(mnll_loaded, 1) ? &mnll_table : mnll_must();
}

#ifndef MNLL_NO_REDIRECT
#define mnl_socket_open2 (mnll_get()->mnl_socket_open2)
#define mnl_socket_bind (mnll_get()->mnl_socket_bind)
#define mnl_socket_close (mnll_get()->mnl_socket_close)
#define mnl_socket_get_fd (mnll_get()->mnl_socket_get_fd)
#define mnl_socket_get_portid (mnll_get()->mnl_socket_get_portid)
#define mnl_socket_sendto (mnll_get()->mnl_socket_sendto)
#define mnl_socket_recvfrom (mnll_get()->mnl_socket_recvfrom)
#define mnl_socket_setsockopt (mnll_get()->mnl_socket_setsockopt)
#define mnl_nlmsg_get_payload_len (mnll_get()->mnl_nlmsg_get_payload_len)
#define mnl_nlmsg_put_header (mnll_get()->mnl_nlmsg_put_header)
#define mnl_nlmsg_put_extra_header (mnll_get()->mnl_nlmsg_put_extra_header)
#define mnl_nlmsg_ok (mnll_get()->mnl_nlmsg_ok)
#define mnl_nlmsg_next (mnll_get()->mnl_nlmsg_next)
#define mnl_nlmsg_get_payload (mnll_get()->mnl_nlmsg_get_payload)
#define mnl_nlmsg_get_payload_offset (mnll_get()->mnl_nlmsg_get_payload_offset)
#define mnl_nlmsg_get_payload_tail (mnll_get()->mnl_nlmsg_get_payload_tail)
#define mnl_attr_get_type (mnll_get()->mnl_attr_get_type)
#define mnl_attr_get_len (mnll_get()->mnl_attr_get_len)
#define mnl_attr_get_payload_len (mnll_get()->mnl_attr_get_payload_len)
#define mnl_attr_get_payload (mnll_get()->mnl_attr_get_payload)
#define mnl_attr_get_u8 (mnll_get()->mnl_attr_get_u8)
#define mnl_attr_get_u16 (mnll_get()->mnl_attr_get_u16)
#define mnl_attr_get_u32 (mnll_get()->mnl_attr_get_u32)
#define mnl_attr_get_u64 (mnll_get()->mnl_attr_get_u64)
#define mnl_attr_get_str (mnll_get()->mnl_attr_get_str)
#define mnl_attr_put (mnll_get()->mnl_attr_put)
#define mnl_attr_put_u8 (mnll_get()->mnl_attr_put_u8)
#define mnl_attr_put_u16 (mnll_get()->mnl_attr_put_u16)
#define mnl_attr_put_u32 (mnll_get()->mnl_attr_put_u32)
#define mnl_attr_put_u64 (mnll_get()->mnl_attr_put_u64)
#define mnl_attr_put_str (mnll_get()->mnl_attr_put_str)
#define mnl_attr_put_strz (mnll_get()->mnl_attr_put_strz)
#define mnl_attr_put_check (mnll_get()->mnl_attr_put_check)
#define mnl_attr_put_u8_check (mnll_get()->mnl_attr_put_u8_check)
#define mnl_attr_put_u16_check (mnll_get()->mnl_attr_put_u16_check)
#define mnl_attr_put_u32_check (mnll_get()->mnl_attr_put_u32_check)
#define mnl_attr_put_u64_check (mnll_get()->mnl_attr_put_u64_check)
#define mnl_attr_put_str_check (mnll_get()->mnl_attr_put_str_check)
#define mnl_attr_put_strz_check (mnll_get()->mnl_attr_put_strz_check)
#define mnl_attr_nest_start (mnll_get()->mnl_attr_nest_start)
#define mnl_attr_nest_start_check (mnll_get()->mnl_attr_nest_start_check)
#define mnl_attr_nest_end (mnll_get()->mnl_attr_nest_end)
#define mnl_attr_nest_cancel (mnll_get()->mnl_attr_nest_cancel)
#define mnl_attr_type_valid (mnll_get()->mnl_attr_type_valid)
#define mnl_attr_validate (mnll_get()->mnl_attr_validate)
#define mnl_attr_validate2 (mnll_get()->mnl_attr_validate2)
#define mnl_attr_ok (mnll_get()->mnl_attr_ok)
#define mnl_attr_next (mnll_get()->mnl_attr_next)
#define mnl_attr_parse (mnll_get()->mnl_attr_parse)
#define mnl_attr_parse_nested (mnll_get()->mnl_attr_parse_nested)
#define mnl_attr_parse_payload (mnll_get()->mnl_attr_parse_payload)
#define mnl_cb_run (mnll_get()->mnl_cb_run)
#define mnl_cb_run2 (mnll_get()->mnl_cb_run2)
#endif

/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The name validators in names.c: namespace names end up in /run/netns
 * paths, interface names in the kernel, unit names in unit files. */
#include <stdlib.h>

#include "names.h"
#include "tap.h"

static char *repeat(char c, size_t n)
{
	char *s = malloc(n + 1);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

#define YES(fn, s) TAP_OK(fn(s), #fn "('%s') accepts", tap_quote(s))
#define NO(fn, s) TAP_OK(!fn(s), #fn "('%s') refuses", tap_quote(s))

static void test_ns_names(void)
{
	char *s;

	YES(ns_name_valid, "web");
	YES(ns_name_valid, "a");
	YES(ns_name_valid, "Web_1.test-2");
	YES(ns_name_valid, "...");
	YES(ns_name_valid, ".hidden");
	YES(ns_name_valid, "-dash");
	NO(ns_name_valid, "");
	NO(ns_name_valid, ".");
	NO(ns_name_valid, "..");
	NO(ns_name_valid, "../x");
	NO(ns_name_valid, "a/b");
	NO(ns_name_valid, "/abs");
	NO(ns_name_valid, "a b");
	NO(ns_name_valid, "a\tb");
	NO(ns_name_valid, "a\nb");
	NO(ns_name_valid, "a\x01");
	NO(ns_name_valid, "a\x7f");
	NO(ns_name_valid, "caf\xc3\xa9");
	NO(ns_name_valid, "a:b");
	NO(ns_name_valid, "a@b");
	NO(ns_name_valid, "a*");
	s = repeat('n', 64);
	TAP_OK(ns_name_valid(s), "64 characters are accepted");
	free(s);
	s = repeat('n', 65);
	TAP_OK(!ns_name_valid(s), "65 characters are refused");
	free(s);
}

static void test_ifnames(void)
{
	YES(ifname_valid, "eth0");
	YES(ifname_valid, "ve-web");
	YES(ifname_valid, "a");
	YES(ifname_valid, "eth0.100");
	YES(ifname_valid, "123456789012345");
	YES(ifname_valid, "...");
	NO(ifname_valid, "1234567890123456");
	NO(ifname_valid, "");
	NO(ifname_valid, ".");
	NO(ifname_valid, "..");
	NO(ifname_valid, "a/b");
	NO(ifname_valid, "/");
	NO(ifname_valid, "a b");
	NO(ifname_valid, "a\tb");
	NO(ifname_valid, "a\nb");
	NO(ifname_valid, "a\x01");
	NO(ifname_valid, "eth0:1");
	NO(ifname_valid, "caf\xc3\xa9");
	NO(ifname_valid, "a\x7f");
}

static void test_unit_names(void)
{
	char *s;

	YES(unit_name_valid, "nginx.service");
	YES(unit_name_valid, "getty@tty1.service");
	YES(unit_name_valid, "my-app_2.socket");
	YES(unit_name_valid, "foo\\x2dbar.service");
	YES(unit_name_valid, "backup.timer");
	YES(unit_name_valid, "web.target");
	NO(unit_name_valid, "");
	NO(unit_name_valid, "nginx");
	NO(unit_name_valid, ".service");
	NO(unit_name_valid, "nginx.");
	NO(unit_name_valid, "nginx.bogus");
	NO(unit_name_valid, "getty@.service");
	NO(unit_name_valid, "@tty1.service");
	NO(unit_name_valid, "a b.service");
	NO(unit_name_valid, "a/b.service");
	NO(unit_name_valid, "../x.service");
	NO(unit_name_valid, "a$b.service");
	s = repeat('u', 256 - 8);
	memcpy(s + 256 - 8 - 8, ".service", 8);
	TAP_OK(unit_name_valid(s), "a unit name of 248 bytes is accepted");
	free(s);
	s = repeat('u', 256);
	memcpy(s + 256 - 8, ".service", 8);
	TAP_OK(!unit_name_valid(s), "a unit name of 256 bytes is refused");
	free(s);
}

static void test_sysctl_keys(void)
{
	char *s;

	YES(sysctl_key_valid, "net.ipv4.ip_forward");
	YES(sysctl_key_valid, "net/ipv4/ip_forward");
	YES(sysctl_key_valid, "net.ipv6.conf.all.disable_ipv6");
	YES(sysctl_key_valid, "net.ipv4.conf.ve-web.rp_filter");
	YES(sysctl_key_valid, "net.core.somaxconn");
	NO(sysctl_key_valid, "");
	NO(sysctl_key_valid, "net");
	NO(sysctl_key_valid, "net.");
	NO(sysctl_key_valid, "net..ipv4");
	NO(sysctl_key_valid, "net.ipv4.");
	NO(sysctl_key_valid, "kernel.panic");
	NO(sysctl_key_valid, "vm.swappiness");
	NO(sysctl_key_valid, "network.x");
	NO(sysctl_key_valid, "net.ipv4/../../kernel/panic");
	NO(sysctl_key_valid, "net.a b");
	NO(sysctl_key_valid, "net.a=b");
	NO(sysctl_key_valid, "NET.ipv4");
	s = repeat('a', 201);
	memcpy(s, "net.", 4);
	TAP_OK(!sysctl_key_valid(s), "a sysctl key of 201 bytes is refused");
	free(s);
}

static void test_domains(void)
{
	char *s;

	YES(domain_valid, "example.com");
	YES(domain_valid, "example.com.");
	YES(domain_valid, "corp");
	YES(domain_valid, "a-b.c_d.example");
	NO(domain_valid, "");
	NO(domain_valid, ".");
	NO(domain_valid, ".example.com");
	NO(domain_valid, "a..b");
	NO(domain_valid, "a b");
	NO(domain_valid, "a/b");
	NO(domain_valid, "ex\xc3\xa4mple.com");
	s = repeat('l', 63);
	TAP_OK(domain_valid(s), "a label of 63 characters is accepted");
	free(s);
	s = repeat('l', 64);
	TAP_OK(!domain_valid(s), "a label of 64 characters is refused");
	free(s);
	s = repeat('a', 254);
	for (size_t i = 10; i < 254; i += 10)
		s[i] = '.';
	TAP_OK(!domain_valid(s), "a domain of 254 characters is refused");
	s[253] = '\0';
	TAP_OK(domain_valid(s), "a domain of 253 characters is accepted");
	free(s);
}

int main(void)
{
	test_ns_names();
	test_ifnames();
	test_unit_names();
	test_sysctl_keys();
	test_domains();
	return tap_done();
}

// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_drivers: user/drivers/, without the kernel: the registry (names,
 * capabilities, the netmode of the built-in networks' drivers) and the
 * bridge driver's validate(), which turns `network create -o KEY=VALUE`
 * into the network's settings or Docker's words for a refusal.
 */
#include <errno.h>
#include <string.h>
#include "unit.h"
#include "drivers/driver.h"
#include "drivers/bridge.h"

XT_TEST(drivers_registry)
{
	static const struct {
		const char *name;
		unsigned int caps;
		enum netmode mode;
	} want[] = {
		{ "bridge", XNET_DRV_ENDPOINTS | XNET_DRV_DNS | XNET_DRV_PUBLISH, NETMODE_DEFAULT },
		{ "host", XNET_DRV_SINGLETON, NETMODE_HOST },
		{ "null", XNET_DRV_SINGLETON, NETMODE_NONE },
	};
	int n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		const struct xnet_driver *d;

		if (!xt__sub("%s", want[i].name))
			continue;
		d = driver__get(want[i].name);
		if (!ASSERT_TRUE(d != NULL, "registered"))
			continue;
		ASSERT_STREQ(d->name, want[i].name, "name");
		ASSERT_EQ(d->caps, want[i].caps, "caps");
		if (!(d->caps & XNET_DRV_ENDPOINTS))
			ASSERT_EQ(d->netmode, want[i].mode, "netmode");
		/* A driver that makes endpoints has every verb a network and an endpoint need. */
		if (d->caps & XNET_DRV_ENDPOINTS)
			ASSERT_TRUE(d->validate && d->network_create && d->network_delete && d->endpoint_create &&
				    d->endpoint_delete && d->join && d->leave && d->endpoint_exists && d->sweep,
				    "every verb");
	}
	if (xt__sub("unknown")) {
		struct network u = { .driver = "overlay" };

		ASSERT_TRUE(driver__get("foo") == NULL, "foo");
		ASSERT_TRUE(driver__get("") == NULL, "empty");
		ASSERT_TRUE(driver__get("Bridge") == NULL, "names are exact");
		/* A row of a driver this build lacks: a driver that does nothing, never NULL. */
		ASSERT_TRUE(driver__of(&u) != NULL && driver__of(&u)->caps == 0, "driver__of an unknown name");
	}
	if (xt__sub("table")) {
		for (int i = 0; xnet_drivers[i]; i++)
			n++;
		ASSERT_EQ(n, 3, "drivers in the table");
	}
	if (xt__sub("dns")) {
		struct network b = { .driver = "bridge" }, def = { .driver = "bridge", .builtin = true },
			       h = { .driver = "host", .builtin = true };

		ASSERT_TRUE(driver__network_has_dns(&b), "a user-defined bridge network");
		ASSERT_FALSE(driver__network_has_dns(&def), "the default bridge (Docker: no embedded DNS)");
		ASSERT_FALSE(driver__network_has_dns(&h), "host");
	}
}

/* -o KEY=VALUE on a bridge network: the settings it gives (icc, masq, mtu) or the refusal. */
static const struct {
	const char *key, *value;
	const char *err;	/* NULL: accepted */
	int icc, masq, mtu;	/* expected after, from defaults 1, 1, 1500 */
} bridge_opts[] = {
	{ BRIDGE_OPT_ICC, "false", NULL, 0, 1, 1500 },
	{ BRIDGE_OPT_ICC, "0", NULL, 0, 1, 1500 },
	{ BRIDGE_OPT_ICC, "FALSE", NULL, 0, 1, 1500 },
	{ BRIDGE_OPT_ICC, "t", NULL, 1, 1, 1500 },
	{ BRIDGE_OPT_MASQ, "False", NULL, 1, 0, 1500 },
	{ BRIDGE_OPT_MASQ, "true", NULL, 1, 1, 1500 },
	{ BRIDGE_OPT_ICC, "maybe",
	  "invalid value \"maybe\" for option com.docker.network.bridge.enable_icc: expected true or false" },
	{ BRIDGE_OPT_MASQ, "",
	  "invalid value \"\" for option com.docker.network.bridge.enable_ip_masquerade: expected true or false" },
	{ DRIVER_OPT_MTU, "1400", NULL, 1, 1, 1400 },
	{ DRIVER_OPT_MTU, "68", NULL, 1, 1, 68 },
	{ DRIVER_OPT_MTU, "65535", NULL, 1, 1, 65535 },
	{ DRIVER_OPT_MTU, "67", "invalid MTU \"67\": must be a number between 68 and 65535" },
	{ DRIVER_OPT_MTU, "65536", "invalid MTU \"65536\": must be a number between 68 and 65535" },
	{ DRIVER_OPT_MTU, "9x", "invalid MTU \"9x\": must be a number between 68 and 65535" },
	{ DRIVER_OPT_MTU, "", "invalid MTU \"\": must be a number between 68 and 65535" },
	{ BRIDGE_OPT_HOSTIP, "127.0.0.1", NULL, 1, 1, 1500 },
	{ BRIDGE_OPT_HOSTIP, "localhost",
	  "invalid value \"localhost\" for option com.docker.network.bridge.host_binding_ipv4: not an IPv4 address" },
	{ BRIDGE_OPT_NAME, "docker1", NULL, 1, 1, 1500 },
	{ "com.docker.network.bridge.nope", "1", "unknown bridge option \"com.docker.network.bridge.nope\"" },
	{ "com.docker.network.driver.nope", "1", "unknown bridge option \"com.docker.network.driver.nope\"" },
	{ "org.example.team", "blue", NULL, 1, 1, 1500 },
};

XT_TEST(drivers_bridge_validate)
{
	const struct xnet_driver *d = driver__get("bridge");

	if (!ASSERT_TRUE(d && d->validate, "the bridge driver validates"))
		return;
	for (size_t i = 0; i < ARRAY_SIZE(bridge_opts); i++) {
		struct xnet_driver_opt o = { bridge_opts[i].key, bridge_opts[i].value };
		struct network n = { .icc = true, .masq = true, .mtu = 1500 };
		char why[256] = "untouched";
		struct xnet_driver_ctx c = { .why = why, .whylen = sizeof(why) };
		int rc;

		if (!xt__sub("%s=%s", bridge_opts[i].key, bridge_opts[i].value))
			continue;
		rc = d->validate(&c, &n, &o, 1);
		if (bridge_opts[i].err) {
			ASSERT_EQ(rc, -EINVAL, "refused");
			ASSERT_STREQ(why, bridge_opts[i].err, "Docker's words");
			continue;
		}
		ASSERT_OK(rc, "accepted");
		ASSERT_EQ(n.icc, bridge_opts[i].icc, "icc");
		ASSERT_EQ(n.masq, bridge_opts[i].masq, "masq");
		ASSERT_EQ(n.mtu, bridge_opts[i].mtu, "mtu");
	}
	if (xt__sub("several, the first refusal wins")) {
		struct xnet_driver_opt o[] = {
			{ BRIDGE_OPT_ICC, "false" }, { DRIVER_OPT_MTU, "1" }, { "com.docker.network.bridge.x", "1" },
		};
		struct network n = { .icc = true, .masq = true, .mtu = 1500 };
		char why[256] = "";
		struct xnet_driver_ctx c = { .why = why, .whylen = sizeof(why) };

		ASSERT_EQ(d->validate(&c, &n, o, 3), -EINVAL, "refused");
		ASSERT_STREQ(why, "invalid MTU \"1\": must be a number between 68 and 65535", "the first refusal");
	}
}

/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Force-included (clang -include) into every BPF object of build/xnet-alt,
 * the second build of the programs that selftests/integration/test_upgrade.sh
 * swaps with build/xnet under traffic. Nothing reads it: it only makes the
 * objects, hence the build hash xnet compares, differ from build/xnet's, as
 * a new release's would. The programs themselves are the same sources.
 */
const volatile unsigned int xnet_build_variant = 1;

/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef XBCTL_DAEMON_H
#define XBCTL_DAEMON_H
/* argv[0]: "restart" or "shutdown" */
int xbctl_daemon(int argc, char **argv);
#endif

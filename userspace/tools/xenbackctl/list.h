/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef XBCTL_LIST_H
#define XBCTL_LIST_H
int xbctl_list(int argc, char **argv);
#endif

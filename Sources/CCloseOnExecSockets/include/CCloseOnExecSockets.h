// Every socket this process creates or accepts is close-on-exec: CCloseOnExecSockets.c defines
// socket, accept and accept4 in place of the C library's (why and how there). Nothing to call:
// linking is enough.
#ifndef CCLOSEONEXECSOCKETS_H
#define CCLOSEONEXECSOCKETS_H
#endif

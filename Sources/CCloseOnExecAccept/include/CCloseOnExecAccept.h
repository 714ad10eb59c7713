// Every socket this process accepts is close-on-exec: CCloseOnExecAccept.c defines accept and
// accept4 in place of the C library's (why and how there). Nothing to call: linking is enough.
#ifndef CCLOSEONEXECACCEPT_H
#define CCLOSEONEXECACCEPT_H
#endif

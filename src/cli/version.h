/* version.h - the version string every command reports. */
#ifndef LATHE_VERSION_H
#define LATHE_VERSION_H
#include "config.h"
#define LATHE_VERSION PACKAGE_VERSION
#endif

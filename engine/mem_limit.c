/* mem_limit.c - the memory limit of this process (see mem_limit.h). A group
 * missing under the mount point (a container sees its own group as the
 * mount's root) is passed over: the walk up to the root still finds the
 * limit that applies. */
#include "config.h"

#include "mem_limit.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "procstat.h"

/* The number in ROOT/DIR/FILE (a limit), or UINT64_MAX when the file is
 * missing, says "max" or holds something else. */
static uint64_t read_limit(const char *root, const char *dir, const char *file)
{
    char path[PATH_MAX], buf[64], err[PATH_MAX + 64];
    int n = snprintf(path, sizeof path, "%s%s/%s", root, dir, file);
    if (n < 0 || (size_t)n >= sizeof path ||
        procstat_read_file(path, buf, sizeof buf, err, sizeof err) <= 0)
        return UINT64_MAX;
    char *end;
    unsigned long long v = strtoull(buf, &end, 10);
    return end != buf && (*end == '\n' || *end == '\0') && buf[0] != '-' ? (uint64_t)v
                                                                        : UINT64_MAX;
}

/* The lowest FILE from MOUNT/GROUP up to MOUNT itself. */
static uint64_t lowest_up(const char *root, const char *mount, const char *group,
                          const char *file)
{
    char dir[PATH_MAX];
    int n = snprintf(dir, sizeof dir, "%s%s", mount, strcmp(group, "/") ? group : "");
    if (n < 0 || (size_t)n >= sizeof dir)
        return UINT64_MAX;
    size_t floor = strlen(mount);
    uint64_t low = UINT64_MAX;
    for (;;) {
        uint64_t v = read_limit(root, dir, file);
        low = v < low ? v : low;
        char *slash = strrchr(dir, '/');
        if (!slash || (size_t)(slash - dir) < floor)
            break;
        *slash = '\0';
    }
    return low;
}

/* Whether the comma-separated LIST names "memory". */
static bool has_memory(const char *list, size_t len)
{
    for (const char *p = list; p < list + len;) {
        size_t n = strcspn(p, ",:");
        if (n == 6 && !strncmp(p, "memory", 6))
            return true;
        p += n + 1;
    }
    return false;
}

/* The lowest limit of the groups /proc/self/cgroup names. */
static uint64_t cgroup_limit(const char *root)
{
    char path[PATH_MAX], buf[8192], err[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/proc/self/cgroup", root);
    if (procstat_read_file(path, buf, sizeof buf, err, sizeof err) <= 0)
        return UINT64_MAX;
    uint64_t low = UINT64_MAX;
    for (char *line = buf, *next; *line; line = next) {
        next = line + strcspn(line, "\n");
        if (*next)
            *next++ = '\0';
        char *ctl = strchr(line, ':'), *group = ctl ? strchr(ctl + 1, ':') : NULL;
        if (!group || group[1] != '/')
            continue;
        uint64_t v = UINT64_MAX;
        if (group == ctl + 1) {  /* v2: "0::/GROUP" */
            v = lowest_up(root, "/sys/fs/cgroup", group + 1, "memory.max");
            uint64_t hybrid = lowest_up(root, "/sys/fs/cgroup/unified", group + 1, "memory.max");
            v = hybrid < v ? hybrid : v;
        } else if (has_memory(ctl + 1, (size_t)(group - ctl - 1))) {
            v = lowest_up(root, "/sys/fs/cgroup/memory", group + 1, "memory.limit_in_bytes");
        }
        low = v < low ? v : low;
    }
    return low;
}

uint64_t mem_limit_bytes(const char *root)
{
    char path[PATH_MAX], buf[8192], err[PATH_MAX + 64];
    procstat_mem mem = {0};
    snprintf(path, sizeof path, "%s/proc/meminfo", root);
    if (procstat_read_file(path, buf, sizeof buf, err, sizeof err) < 0 ||
        procstat_parse_meminfo(buf, &mem, err, sizeof err))
        return 0;
    uint64_t group = cgroup_limit(root);
    return group < mem.total ? group : mem.total;
}

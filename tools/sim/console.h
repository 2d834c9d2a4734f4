/* SPDX-License-Identifier: MIT */
/*
 * Where sched/'s console lines go in the simulator.
 * Environment: host simulator.
 */
#ifndef TOOLS_SIM_CONSOLE_H
#define TOOLS_SIM_CONSOLE_H

#include <stdio.h>

/* Send every later kprintf() line to f (NULL = stderr). */
void sim_console_to(FILE *f);

/* kprintf() calls so far (each sched/ diagnostic is one). */
unsigned long sim_console_lines(void);

#endif

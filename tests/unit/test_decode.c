// SPDX-License-Identifier: MIT
/*
 * Unit tests for the MMIO instruction decoder: a table of real encodings
 * (every row assembled with GNU as in the stated mode when the test was
 * written, the bytes pasted with the source line and objdump's reading),
 * truncation at every byte, unsupported forms, the 15-byte limit, register
 * write-back semantics and a random-bytes fuzz with structural invariants.
 * Environment: hosted unit tests (cmocka, ASan/UBSan).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86/vdev/decode.h"
#include "lib/errno.h"
#include "tests/unit/fake_console.h"

#define M16 DECODE_16
#define M32 DECODE_32
#define M64 DECODE_64

/* One supported encoding and what it must decode to. */
struct ok_case {
	enum decode_mode mode;
	uint8_t bytes[DECODE_MAX_LEN];
	uint8_t len;
	bool write;
	uint8_t size;
	int8_t reg;
	bool high_byte;
	uint64_t imm;
	char ext; /* 0, 'z' (movzx) or 's' (movsx) */
	uint8_t dst_size;
	const char *src; /* the as(1) source line the bytes came from */
};

/*
 * Rows: mode, bytes, len, write, size, reg, high_byte, imm, ext, dst_size, source.
 * Kept one row per instruction (clang-format would spread each over 12 lines).
 */
// clang-format off
static const struct ok_case ok_cases[] = {
	/* 32-bit: mov %eax,0xfee000b0  [objdump: mov    %eax,0xfee000b0] */
	{ M32, { 0xa3, 0xb0, 0x00, 0xe0, 0xfe }, 5, true, 4, 0, false, 0, 0, 4, "mov %eax,0xfee000b0" },
	/* 32-bit: mov 0xfee00020,%eax  [objdump: mov    0xfee00020,%eax] */
	{ M32, { 0xa1, 0x20, 0x00, 0xe0, 0xfe }, 5, false, 4, 0, false, 0, 0, 4, "mov 0xfee00020,%eax" },
	/* 32-bit: mov %al,0xfee00080  [objdump: mov    %al,0xfee00080] */
	{ M32, { 0xa2, 0x80, 0x00, 0xe0, 0xfe }, 5, true, 1, 0, false, 0, 0, 1, "mov %al,0xfee00080" },
	/* 32-bit: mov 0xfee00080,%al  [objdump: mov    0xfee00080,%al] */
	{ M32, { 0xa0, 0x80, 0x00, 0xe0, 0xfe }, 5, false, 1, 0, false, 0, 0, 1, "mov 0xfee00080,%al" },
	/* 32-bit: mov %ax,0xfee00300  [objdump: mov    %ax,0xfee00300] */
	{ M32, { 0x66, 0xa3, 0x00, 0x03, 0xe0, 0xfe }, 6, true, 2, 0, false, 0, 0, 2, "mov %ax,0xfee00300" },
	/* 32-bit: mov 0xfee00300,%ax  [objdump: mov    0xfee00300,%ax] */
	{ M32, { 0x66, 0xa1, 0x00, 0x03, 0xe0, 0xfe }, 6, false, 2, 0, false, 0, 0, 2, "mov 0xfee00300,%ax" },
	/* 32-bit: addr16 mov 0x1234,%eax  [objdump: addr16 mov 0x1234,%eax] */
	{ M32, { 0x67, 0xa1, 0x34, 0x12 }, 4, false, 4, 0, false, 0, 0, 4, "addr16 mov 0x1234,%eax" },
	/* 32-bit: addr16 mov %al,0x20  [objdump: addr16 mov %al,0x20] */
	{ M32, { 0x67, 0xa2, 0x20, 0x00 }, 4, true, 1, 0, false, 0, 0, 1, "addr16 mov %al,0x20" },
	/* 32-bit: movl $0,0xb0(%ebx)  [objdump: movl   $0x0,0xb0(%ebx)] */
	{ M32, { 0xc7, 0x83, 0xb0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 }, 10, true, 4, -1, false, 0, 0, 4, "movl $0,0xb0(%ebx)" },
	/* 32-bit: movl $0x12345678,(%eax)  [objdump: movl   $0x12345678,(%eax)] */
	{ M32, { 0xc7, 0x00, 0x78, 0x56, 0x34, 0x12 }, 6, true, 4, -1, false, 0x12345678, 0, 4, "movl $0x12345678,(%eax)" },
	/* 32-bit: movl $0xfffffff0,0x310(%ebx)  [objdump: movl   $0xfffffff0,0x310(%ebx)] */
	{ M32, { 0xc7, 0x83, 0x10, 0x03, 0x00, 0x00, 0xf0, 0xff, 0xff, 0xff }, 10, true, 4, -1, false, 0xfffffff0, 0, 4, "movl $0xfffffff0,0x310(%ebx)" },
	/* 32-bit: movw $0xbeef,0x10(%esi)  [objdump: movw   $0xbeef,0x10(%esi)] */
	{ M32, { 0x66, 0xc7, 0x46, 0x10, 0xef, 0xbe }, 6, true, 2, -1, false, 0xbeef, 0, 2, "movw $0xbeef,0x10(%esi)" },
	/* 32-bit: movb $0x5a,(%edi)  [objdump: movb   $0x5a,(%edi)] */
	{ M32, { 0xc6, 0x07, 0x5a }, 3, true, 1, -1, false, 0x5a, 0, 1, "movb $0x5a,(%edi)" },
	/* 32-bit: movb $0xff,0xfee00000  [objdump: movb   $0xff,0xfee00000] */
	{ M32, { 0xc6, 0x05, 0x00, 0x00, 0xe0, 0xfe, 0xff }, 7, true, 1, -1, false, 0xff, 0, 1, "movb $0xff,0xfee00000" },
	/* 32-bit: mov %ecx,0x300(%edx)  [objdump: mov    %ecx,0x300(%edx)] */
	{ M32, { 0x89, 0x8a, 0x00, 0x03, 0x00, 0x00 }, 6, true, 4, 1, false, 0, 0, 4, "mov %ecx,0x300(%edx)" },
	/* 32-bit: mov 0x20(%ebp),%esi  [objdump: mov    0x20(%ebp),%esi] */
	{ M32, { 0x8b, 0x75, 0x20 }, 3, false, 4, 6, false, 0, 0, 4, "mov 0x20(%ebp),%esi" },
	/* 32-bit: mov (%esp),%edi  [objdump: mov    (%esp),%edi] */
	{ M32, { 0x8b, 0x3c, 0x24 }, 3, false, 4, 7, false, 0, 0, 4, "mov (%esp),%edi" },
	/* 32-bit: mov %ebx,0xfee00310(,%ecx,4)  [objdump: mov    %ebx,-0x11ffcf0(,%ecx,4)] */
	{ M32, { 0x89, 0x1c, 0x8d, 0x10, 0x03, 0xe0, 0xfe }, 7, true, 4, 3, false, 0, 0, 4, "mov %ebx,0xfee00310(,%ecx,4)" },
	/* 32-bit: mov 0x10(%eax,%ebx,2),%edx  [objdump: mov    0x10(%eax,%ebx,2),%edx] */
	{ M32, { 0x8b, 0x54, 0x58, 0x10 }, 4, false, 4, 2, false, 0, 0, 4, "mov 0x10(%eax,%ebx,2),%edx" },
	/* 32-bit: mov 0x1000(%esp,%esi,8),%eax  [objdump: mov    0x1000(%esp,%esi,8),%eax] */
	{ M32, { 0x8b, 0x84, 0xf4, 0x00, 0x10, 0x00, 0x00 }, 7, false, 4, 0, false, 0, 0, 4, "mov 0x1000(%esp,%esi,8),%eax" },
	/* 32-bit: mov (%ebp,%eax,1),%ecx  [objdump: mov    0x0(%ebp,%eax,1),%ecx] */
	{ M32, { 0x8b, 0x4c, 0x05, 0x00 }, 4, false, 4, 1, false, 0, 0, 4, "mov (%ebp,%eax,1),%ecx" },
	/* 32-bit: mov 0xfee00300,%edx  [objdump: mov    0xfee00300,%edx] */
	{ M32, { 0x8b, 0x15, 0x00, 0x03, 0xe0, 0xfe }, 6, false, 4, 2, false, 0, 0, 4, "mov 0xfee00300,%edx" },
	/* 32-bit: mov %esp,0xfee00300  [objdump: mov    %esp,0xfee00300] */
	{ M32, { 0x89, 0x25, 0x00, 0x03, 0xe0, 0xfe }, 6, true, 4, 4, false, 0, 0, 4, "mov %esp,0xfee00300" },
	/* 32-bit: mov %ah,(%ebx)  [objdump: mov    %ah,(%ebx)] */
	{ M32, { 0x88, 0x23 }, 2, true, 1, 0, true, 0, 0, 1, "mov %ah,(%ebx)" },
	/* 32-bit: mov 0x4(%ecx),%bh  [objdump: mov    0x4(%ecx),%bh] */
	{ M32, { 0x8a, 0x79, 0x04 }, 3, false, 1, 3, true, 0, 0, 1, "mov 0x4(%ecx),%bh" },
	/* 32-bit: mov %ch,0xfee00000  [objdump: mov    %ch,0xfee00000] */
	{ M32, { 0x88, 0x2d, 0x00, 0x00, 0xe0, 0xfe }, 6, true, 1, 1, true, 0, 0, 1, "mov %ch,0xfee00000" },
	/* 32-bit: mov 0x7f(%edx),%dh  [objdump: mov    0x7f(%edx),%dh] */
	{ M32, { 0x8a, 0x72, 0x7f }, 3, false, 1, 2, true, 0, 0, 1, "mov 0x7f(%edx),%dh" },
	/* 32-bit: mov %dl,(%eax)  [objdump: mov    %dl,(%eax)] */
	{ M32, { 0x88, 0x10 }, 2, true, 1, 2, false, 0, 0, 1, "mov %dl,(%eax)" },
	/* 32-bit: mov (%eax),%bl  [objdump: mov    (%eax),%bl] */
	{ M32, { 0x8a, 0x18 }, 2, false, 1, 3, false, 0, 0, 1, "mov (%eax),%bl" },
	/* 32-bit: mov %si,0x300(%edx)  [objdump: mov    %si,0x300(%edx)] */
	{ M32, { 0x66, 0x89, 0xb2, 0x00, 0x03, 0x00, 0x00 }, 7, true, 2, 6, false, 0, 0, 2, "mov %si,0x300(%edx)" },
	/* 32-bit: mov -0x8(%ebp),%di  [objdump: mov    -0x8(%ebp),%di] */
	{ M32, { 0x66, 0x8b, 0x7d, 0xf8 }, 4, false, 2, 7, false, 0, 0, 2, "mov -0x8(%ebp),%di" },
	/* 32-bit: movzbl (%eax),%ecx  [objdump: movzbl (%eax),%ecx] */
	{ M32, { 0x0f, 0xb6, 0x08 }, 3, false, 1, 1, false, 0, 'z', 4, "movzbl (%eax),%ecx" },
	/* 32-bit: movzwl 0x30(%ebx),%edx  [objdump: movzwl 0x30(%ebx),%edx] */
	{ M32, { 0x0f, 0xb7, 0x53, 0x30 }, 4, false, 2, 2, false, 0, 'z', 4, "movzwl 0x30(%ebx),%edx" },
	/* 32-bit: movsbl (%esi),%eax  [objdump: movsbl (%esi),%eax] */
	{ M32, { 0x0f, 0xbe, 0x06 }, 3, false, 1, 0, false, 0, 's', 4, "movsbl (%esi),%eax" },
	/* 32-bit: movswl (%edi),%ebx  [objdump: movswl (%edi),%ebx] */
	{ M32, { 0x0f, 0xbf, 0x1f }, 3, false, 2, 3, false, 0, 's', 4, "movswl (%edi),%ebx" },
	/* 32-bit: movzbw (%eax),%cx  [objdump: movzbw (%eax),%cx] */
	{ M32, { 0x66, 0x0f, 0xb6, 0x08 }, 4, false, 1, 1, false, 0, 'z', 2, "movzbw (%eax),%cx" },
	/* 32-bit: movsbw 0xfee00000,%bp  [objdump: movsbw 0xfee00000,%bp] */
	{ M32, { 0x66, 0x0f, 0xbe, 0x2d, 0x00, 0x00, 0xe0, 0xfe }, 8, false, 1, 5, false, 0, 's', 2, "movsbw 0xfee00000,%bp" },
	/* 32-bit: mov %cx,(%bx,%si)  [objdump: mov    %cx,(%bx,%si)] */
	{ M32, { 0x67, 0x66, 0x89, 0x08 }, 4, true, 2, 1, false, 0, 0, 2, "mov %cx,(%bx,%si)" },
	/* 32-bit: mov 0x1234(%bp,%di),%eax  [objdump: mov    0x1234(%bp,%di),%eax] */
	{ M32, { 0x67, 0x8b, 0x83, 0x34, 0x12 }, 5, false, 4, 0, false, 0, 0, 4, "mov 0x1234(%bp,%di),%eax" },
	/* 32-bit: addr16 movl $1,0x1234  [objdump: movl   $0x1,0x1234] */
	{ M32, { 0x67, 0xc7, 0x06, 0x34, 0x12, 0x01, 0x00, 0x00, 0x00 }, 9, true, 4, -1, false, 1, 0, 4, "addr16 movl $1,0x1234" },
	/* 32-bit: .byte 0x3e; mov %ecx,0x300(%edx)  [objdump: mov    %ecx,%ds:0x300(%edx)] */
	{ M32, { 0x3e, 0x89, 0x8a, 0x00, 0x03, 0x00, 0x00 }, 7, true, 4, 1, false, 0, 0, 4, ".byte 0x3e; mov %ecx,0x300(%edx)" },
	/* 32-bit: .byte 0x26,0x64,0x65,0x2e,0x36; mov (%esi),%eax  [objdump: es fs gs cs mov %ss:(%esi),%eax] */
	{ M32, { 0x26, 0x64, 0x65, 0x2e, 0x36, 0x8b, 0x06 }, 7, false, 4, 0, false, 0, 0, 4, ".byte 0x26,0x64,0x65,0x2e,0x36; mov (%esi),%eax" },
	/* 32-bit: .byte 0x66,0x3e; mov (%eax),%ecx  [objdump: mov    %ds:(%eax),%cx] */
	{ M32, { 0x66, 0x3e, 0x8b, 0x08 }, 4, false, 2, 1, false, 0, 0, 2, ".byte 0x66,0x3e; mov (%eax),%ecx" },
	/* 32-bit: .byte 0x66,0x66; mov %eax,(%eax)  [objdump: data16 mov %ax,(%eax)] */
	{ M32, { 0x66, 0x66, 0x89, 0x00 }, 4, true, 2, 0, false, 0, 0, 2, ".byte 0x66,0x66; mov %eax,(%eax)" },
	/* 32-bit: .byte 0x67,0x2e,0x66; mov 0x10(%ebx),%eax  [objdump: mov    %cs:0x10(%bp,%di),%ax] */
	{ M32, { 0x67, 0x2e, 0x66, 0x8b, 0x43, 0x10 }, 6, false, 2, 0, false, 0, 0, 2, ".byte 0x67,0x2e,0x66; mov 0x10(%ebx),%eax" },
	/* 32-bit: .byte 0x64; movw $0x2222,(%eax)  [objdump: movw   $0x2222,%fs:(%eax)] */
	{ M32, { 0x64, 0x66, 0xc7, 0x00, 0x22, 0x22 }, 6, true, 2, -1, false, 0x2222, 0, 2, ".byte 0x64; movw $0x2222,(%eax)" },
	/* 32-bit: .byte 0x66; movzbl (%eax),%ecx  [objdump: movzbw (%eax),%cx] */
	{ M32, { 0x66, 0x0f, 0xb6, 0x08 }, 4, false, 1, 1, false, 0, 'z', 2, ".byte 0x66; movzbl (%eax),%ecx" },
	/* 16-bit: mov %ax,0x300(%bx)  [objdump: mov    %ax,0x300(%bx)] */
	{ M16, { 0x89, 0x87, 0x00, 0x03 }, 4, true, 2, 0, false, 0, 0, 2, "mov %ax,0x300(%bx)" },
	/* 16-bit: mov (%si),%cx  [objdump: mov    (%si),%cx] */
	{ M16, { 0x8b, 0x0c }, 2, false, 2, 1, false, 0, 0, 2, "mov (%si),%cx" },
	/* 16-bit: mov 0x0,%ax  [objdump: mov    0x0,%ax] */
	{ M16, { 0xa1, 0x00, 0x00 }, 3, false, 2, 0, false, 0, 0, 2, "mov 0x0,%ax" },
	/* 16-bit: mov %al,0x20  [objdump: mov    %al,0x20] */
	{ M16, { 0xa2, 0x20, 0x00 }, 3, true, 1, 0, false, 0, 0, 1, "mov %al,0x20" },
	/* 16-bit: mov 0x1234,%dx  [objdump: mov    0x1234,%dx] */
	{ M16, { 0x8b, 0x16, 0x34, 0x12 }, 4, false, 2, 2, false, 0, 0, 2, "mov 0x1234,%dx" },
	/* 16-bit: mov %eax,(%di)  [objdump: mov    %eax,(%di)] */
	{ M16, { 0x66, 0x89, 0x05 }, 3, true, 4, 0, false, 0, 0, 4, "mov %eax,(%di)" },
	/* 16-bit: mov 0x10(%bp),%bl  [objdump: mov    0x10(%bp),%bl] */
	{ M16, { 0x8a, 0x5e, 0x10 }, 3, false, 1, 3, false, 0, 0, 1, "mov 0x10(%bp),%bl" },
	/* 16-bit: mov %ch,-0x2(%bx,%si)  [objdump: mov    %ch,-0x2(%bx,%si)] */
	{ M16, { 0x88, 0x68, 0xfe }, 3, true, 1, 1, true, 0, 0, 1, "mov %ch,-0x2(%bx,%si)" },
	/* 16-bit: mov 0x1000(%bp,%si),%ax  [objdump: mov    0x1000(%bp,%si),%ax] */
	{ M16, { 0x8b, 0x82, 0x00, 0x10 }, 4, false, 2, 0, false, 0, 0, 2, "mov 0x1000(%bp,%si),%ax" },
	/* 16-bit: mov %sp,(%bx,%di)  [objdump: mov    %sp,(%bx,%di)] */
	{ M16, { 0x89, 0x21 }, 2, true, 2, 4, false, 0, 0, 2, "mov %sp,(%bx,%di)" },
	/* 16-bit: movw $0x1234,0x10(%bx,%di)  [objdump: movw   $0x1234,0x10(%bx,%di)] */
	{ M16, { 0xc7, 0x41, 0x10, 0x34, 0x12 }, 5, true, 2, -1, false, 0x1234, 0, 2, "movw $0x1234,0x10(%bx,%di)" },
	/* 16-bit: movl $0xdeadbeef,(%bx)  [objdump: movl   $0xdeadbeef,(%bx)] */
	{ M16, { 0x66, 0xc7, 0x07, 0xef, 0xbe, 0xad, 0xde }, 7, true, 4, -1, false, 0xdeadbeef, 0, 4, "movl $0xdeadbeef,(%bx)" },
	/* 16-bit: movb $0xff,0x1234  [objdump: movb   $0xff,0x1234] */
	{ M16, { 0xc6, 0x06, 0x34, 0x12, 0xff }, 5, true, 1, -1, false, 0xff, 0, 1, "movb $0xff,0x1234" },
	/* 16-bit: addr32 mov %eax,0xfee000b0  [objdump: addr32 mov %eax,0xfee000b0] */
	{ M16, { 0x67, 0x66, 0xa3, 0xb0, 0x00, 0xe0, 0xfe }, 7, true, 4, 0, false, 0, 0, 4, "addr32 mov %eax,0xfee000b0" },
	/* 16-bit: addr32 mov 0xfee000b0,%al  [objdump: addr32 mov 0xfee000b0,%al] */
	{ M16, { 0x67, 0xa0, 0xb0, 0x00, 0xe0, 0xfe }, 6, false, 1, 0, false, 0, 0, 1, "addr32 mov 0xfee000b0,%al" },
	/* 16-bit: mov 0xfee00300(%ebx),%ecx  [objdump: mov    -0x11ffd00(%ebx),%ecx] */
	{ M16, { 0x67, 0x66, 0x8b, 0x8b, 0x00, 0x03, 0xe0, 0xfe }, 8, false, 4, 1, false, 0, 0, 4, "mov 0xfee00300(%ebx),%ecx" },
	/* 16-bit: mov %dx,0x4(%eax,%ecx,4)  [objdump: mov    %dx,0x4(%eax,%ecx,4)] */
	{ M16, { 0x67, 0x89, 0x54, 0x88, 0x04 }, 5, true, 2, 2, false, 0, 0, 2, "mov %dx,0x4(%eax,%ecx,4)" },
	/* 16-bit: movzbw (%bx),%ax  [objdump: movzbw (%bx),%ax] */
	{ M16, { 0x0f, 0xb6, 0x07 }, 3, false, 1, 0, false, 0, 'z', 2, "movzbw (%bx),%ax" },
	/* 16-bit: movsbl 0x4(%si),%edx  [objdump: movsbl 0x4(%si),%edx] */
	{ M16, { 0x66, 0x0f, 0xbe, 0x54, 0x04 }, 5, false, 1, 2, false, 0, 's', 4, "movsbl 0x4(%si),%edx" },
	/* 16-bit: movzwl (%di),%eax  [objdump: movzwl (%di),%eax] */
	{ M16, { 0x66, 0x0f, 0xb7, 0x05 }, 4, false, 2, 0, false, 0, 'z', 4, "movzwl (%di),%eax" },
	/* 16-bit: movswl (%bx),%ecx  [objdump: movswl (%bx),%ecx] */
	{ M16, { 0x66, 0x0f, 0xbf, 0x0f }, 4, false, 2, 1, false, 0, 's', 4, "movswl (%bx),%ecx" },
	/* 16-bit: .byte 0x2e; mov 0x10(%bp),%dh  [objdump: mov    %cs:0x10(%bp),%dh] */
	{ M16, { 0x2e, 0x8a, 0x76, 0x10 }, 4, false, 1, 2, true, 0, 0, 1, ".byte 0x2e; mov 0x10(%bp),%dh" },
	/* 16-bit: .byte 0x36; addr32 mov 0x12345678,%eax  [objdump: addr32 mov %ss:0x12345678,%eax] */
	{ M16, { 0x36, 0x67, 0x66, 0xa1, 0x78, 0x56, 0x34, 0x12 }, 8, false, 4, 0, false, 0, 0, 4, ".byte 0x36; addr32 mov 0x12345678,%eax" },
	/* 64-bit: mov %ecx,0x300(%rdx)  [objdump: mov    %ecx,0x300(%rdx)] */
	{ M64, { 0x89, 0x8a, 0x00, 0x03, 0x00, 0x00 }, 6, true, 4, 1, false, 0, 0, 4, "mov %ecx,0x300(%rdx)" },
	/* 64-bit: mov 0x20(%r8),%r11d  [objdump: mov    0x20(%r8),%r11d] */
	{ M64, { 0x45, 0x8b, 0x58, 0x20 }, 4, false, 4, 11, false, 0, 0, 4, "mov 0x20(%r8),%r11d" },
	/* 64-bit: mov %rax,(%rdi)  [objdump: mov    %rax,(%rdi)] */
	{ M64, { 0x48, 0x89, 0x07 }, 3, true, 8, 0, false, 0, 0, 8, "mov %rax,(%rdi)" },
	/* 64-bit: mov (%rsi),%rdx  [objdump: mov    (%rsi),%rdx] */
	{ M64, { 0x48, 0x8b, 0x16 }, 3, false, 8, 2, false, 0, 0, 8, "mov (%rsi),%rdx" },
	/* 64-bit: mov 0xb0(%rip),%eax  [objdump: mov    0xb0(%rip),%eax        # 0xb6] */
	{ M64, { 0x8b, 0x05, 0xb0, 0x00, 0x00, 0x00 }, 6, false, 4, 0, false, 0, 0, 4, "mov 0xb0(%rip),%eax" },
	/* 64-bit: mov %r15,0x1000(%rip)  [objdump: mov    %r15,0x1000(%rip)        # 0x1007] */
	{ M64, { 0x4c, 0x89, 0x3d, 0x00, 0x10, 0x00, 0x00 }, 7, true, 8, 15, false, 0, 0, 8, "mov %r15,0x1000(%rip)" },
	/* 64-bit: mov -0x10(%rip),%r9w  [objdump: mov    -0x10(%rip),%r9w        # 0xfffffffffffffff8] */
	{ M64, { 0x66, 0x44, 0x8b, 0x0d, 0xf0, 0xff, 0xff, 0xff }, 8, false, 2, 9, false, 0, 0, 2, "mov -0x10(%rip),%r9w" },
	/* 64-bit: movl $0,0xb0(%rip)  [objdump: movl   $0x0,0xb0(%rip)        # 0xba] */
	{ M64, { 0xc7, 0x05, 0xb0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 }, 10, true, 4, -1, false, 0, 0, 4, "movl $0,0xb0(%rip)" },
	/* 64-bit: movq $-1,0x300(%rbx)  [objdump: movq   $0xffffffffffffffff,0x300(%rbx)] */
	{ M64, { 0x48, 0xc7, 0x83, 0x00, 0x03, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff }, 11, true, 8, -1, false, 0xffffffffffffffff, 0, 8, "movq $-1,0x300(%rbx)" },
	/* 64-bit: movq $0x7fffffff,(%rax)  [objdump: movq   $0x7fffffff,(%rax)] */
	{ M64, { 0x48, 0xc7, 0x00, 0xff, 0xff, 0xff, 0x7f }, 7, true, 8, -1, false, 0x7fffffff, 0, 8, "movq $0x7fffffff,(%rax)" },
	/* 64-bit: movq $-0x80000000,(%rax)  [objdump: movq   $0xffffffff80000000,(%rax)] */
	{ M64, { 0x48, 0xc7, 0x00, 0x00, 0x00, 0x00, 0x80 }, 7, true, 8, -1, false, 0xffffffff80000000, 0, 8, "movq $-0x80000000,(%rax)" },
	/* 64-bit: movl $0x80000000,(%rax)  [objdump: movl   $0x80000000,(%rax)] */
	{ M64, { 0xc7, 0x00, 0x00, 0x00, 0x00, 0x80 }, 6, true, 4, -1, false, 0x80000000, 0, 4, "movl $0x80000000,(%rax)" },
	/* 64-bit: movw $0x1234,(%r9)  [objdump: movw   $0x1234,(%r9)] */
	{ M64, { 0x66, 0x41, 0xc7, 0x01, 0x34, 0x12 }, 6, true, 2, -1, false, 0x1234, 0, 2, "movw $0x1234,(%r9)" },
	/* 64-bit: movb $0x80,(%r12)  [objdump: movb   $0x80,(%r12)] */
	{ M64, { 0x41, 0xc6, 0x04, 0x24, 0x80 }, 5, true, 1, -1, false, 0x80, 0, 1, "movb $0x80,(%r12)" },
	/* 64-bit: movl $0xfee00000,0x10(%r13,%r14,8)  [objdump: movl   $0xfee00000,0x10(%r13,%r14,8)] */
	{ M64, { 0x43, 0xc7, 0x44, 0xf5, 0x10, 0x00, 0x00, 0xe0, 0xfe }, 9, true, 4, -1, false, 0xfee00000, 0, 4, "movl $0xfee00000,0x10(%r13,%r14,8)" },
	/* 64-bit: mov (%r13),%eax  [objdump: mov    0x0(%r13),%eax] */
	{ M64, { 0x41, 0x8b, 0x45, 0x00 }, 4, false, 4, 0, false, 0, 0, 4, "mov (%r13),%eax" },
	/* 64-bit: mov %esi,(%rsp)  [objdump: mov    %esi,(%rsp)] */
	{ M64, { 0x89, 0x34, 0x24 }, 3, true, 4, 6, false, 0, 0, 4, "mov %esi,(%rsp)" },
	/* 64-bit: mov %esp,(%rsp)  [objdump: mov    %esp,(%rsp)] */
	{ M64, { 0x89, 0x24, 0x24 }, 3, true, 4, 4, false, 0, 0, 4, "mov %esp,(%rsp)" },
	/* 64-bit: mov %edx,0xee0300(,%rcx,8)  [objdump: mov    %edx,0xee0300(,%rcx,8)] */
	{ M64, { 0x89, 0x14, 0xcd, 0x00, 0x03, 0xee, 0x00 }, 7, true, 4, 2, false, 0, 0, 4, "mov %edx,0xee0300(,%rcx,8)" },
	/* 64-bit: mov %edx,-0x300(,%r13,8)  [objdump: mov    %edx,-0x300(,%r13,8)] */
	{ M64, { 0x42, 0x89, 0x14, 0xed, 0x00, 0xfd, 0xff, 0xff }, 8, true, 4, 2, false, 0, 0, 4, "mov %edx,-0x300(,%r13,8)" },
	/* 64-bit: mov 0x8(%rax,%r10,4),%ecx  [objdump: mov    0x8(%rax,%r10,4),%ecx] */
	{ M64, { 0x42, 0x8b, 0x4c, 0x90, 0x08 }, 5, false, 4, 1, false, 0, 0, 4, "mov 0x8(%rax,%r10,4),%ecx" },
	/* 64-bit: mov (%r13,%r14,1),%r8  [objdump: mov    0x0(%r13,%r14,1),%r8] */
	{ M64, { 0x4f, 0x8b, 0x44, 0x35, 0x00 }, 5, false, 8, 8, false, 0, 0, 8, "mov (%r13,%r14,1),%r8" },
	/* 64-bit: mov 0x12345678(%r12,%rbx,2),%r12  [objdump: mov    0x12345678(%r12,%rbx,2),%r12] */
	{ M64, { 0x4d, 0x8b, 0xa4, 0x5c, 0x78, 0x56, 0x34, 0x12 }, 8, false, 8, 12, false, 0, 0, 8, "mov 0x12345678(%r12,%rbx,2),%r12" },
	/* 64-bit: mov %ax,0x10(%rbx)  [objdump: mov    %ax,0x10(%rbx)] */
	{ M64, { 0x66, 0x89, 0x43, 0x10 }, 4, true, 2, 0, false, 0, 0, 2, "mov %ax,0x10(%rbx)" },
	/* 64-bit: mov %ah,(%rbx)  [objdump: mov    %ah,(%rbx)] */
	{ M64, { 0x88, 0x23 }, 2, true, 1, 0, true, 0, 0, 1, "mov %ah,(%rbx)" },
	/* 64-bit: mov (%rax),%bh  [objdump: mov    (%rax),%bh] */
	{ M64, { 0x8a, 0x38 }, 2, false, 1, 3, true, 0, 0, 1, "mov (%rax),%bh" },
	/* 64-bit: mov %spl,(%rbx)  [objdump: mov    %spl,(%rbx)] */
	{ M64, { 0x40, 0x88, 0x23 }, 3, true, 1, 4, false, 0, 0, 1, "mov %spl,(%rbx)" },
	/* 64-bit: mov %bpl,(%rbx)  [objdump: mov    %bpl,(%rbx)] */
	{ M64, { 0x40, 0x88, 0x2b }, 3, true, 1, 5, false, 0, 0, 1, "mov %bpl,(%rbx)" },
	/* 64-bit: mov (%rax),%dil  [objdump: mov    (%rax),%dil] */
	{ M64, { 0x40, 0x8a, 0x38 }, 3, false, 1, 7, false, 0, 0, 1, "mov (%rax),%dil" },
	/* 64-bit: mov (%rax),%sil  [objdump: mov    (%rax),%sil] */
	{ M64, { 0x40, 0x8a, 0x30 }, 3, false, 1, 6, false, 0, 0, 1, "mov (%rax),%sil" },
	/* 64-bit: mov %r9b,(%rcx)  [objdump: mov    %r9b,(%rcx)] */
	{ M64, { 0x44, 0x88, 0x09 }, 3, true, 1, 9, false, 0, 0, 1, "mov %r9b,(%rcx)" },
	/* 64-bit: mov (%rcx),%r10b  [objdump: mov    (%rcx),%r10b] */
	{ M64, { 0x44, 0x8a, 0x11 }, 3, false, 1, 10, false, 0, 0, 1, "mov (%rcx),%r10b" },
	/* 64-bit: mov (%r8),%cl  [objdump: mov    (%r8),%cl] */
	{ M64, { 0x41, 0x8a, 0x08 }, 3, false, 1, 1, false, 0, 0, 1, "mov (%r8),%cl" },
	/* 64-bit: movabs 0xfee000b0,%eax  [objdump: movabs 0xfee000b0,%eax] */
	{ M64, { 0xa1, 0xb0, 0x00, 0xe0, 0xfe, 0x00, 0x00, 0x00, 0x00 }, 9, false, 4, 0, false, 0, 0, 4, "movabs 0xfee000b0,%eax" },
	/* 64-bit: movabs %rax,0xfee00000  [objdump: movabs %rax,0xfee00000] */
	{ M64, { 0x48, 0xa3, 0x00, 0x00, 0xe0, 0xfe, 0x00, 0x00, 0x00, 0x00 }, 10, true, 8, 0, false, 0, 0, 8, "movabs %rax,0xfee00000" },
	/* 64-bit: movabs %al,0xfee00000  [objdump: movabs %al,0xfee00000] */
	{ M64, { 0xa2, 0x00, 0x00, 0xe0, 0xfe, 0x00, 0x00, 0x00, 0x00 }, 9, true, 1, 0, false, 0, 0, 1, "movabs %al,0xfee00000" },
	/* 64-bit: movabs 0xfee00000,%al  [objdump: movabs 0xfee00000,%al] */
	{ M64, { 0xa0, 0x00, 0x00, 0xe0, 0xfe, 0x00, 0x00, 0x00, 0x00 }, 9, false, 1, 0, false, 0, 0, 1, "movabs 0xfee00000,%al" },
	/* 64-bit: movabs 0xfee00020,%ax  [objdump: movabs 0xfee00020,%ax] */
	{ M64, { 0x66, 0xa1, 0x20, 0x00, 0xe0, 0xfe, 0x00, 0x00, 0x00, 0x00 }, 10, false, 2, 0, false, 0, 0, 2, "movabs 0xfee00020,%ax" },
	/* 64-bit: addr32 movabs 0xfee000b0,%eax  [objdump: addr32 mov 0xfee000b0,%eax] */
	{ M64, { 0x67, 0xa1, 0xb0, 0x00, 0xe0, 0xfe }, 6, false, 4, 0, false, 0, 0, 4, "addr32 movabs 0xfee000b0,%eax" },
	/* 64-bit: addr32 movabs %rax,0xfee000b0  [objdump: addr32 mov %rax,0xfee000b0] */
	{ M64, { 0x67, 0x48, 0xa3, 0xb0, 0x00, 0xe0, 0xfe }, 7, true, 8, 0, false, 0, 0, 8, "addr32 movabs %rax,0xfee000b0" },
	/* 64-bit: movzbl (%rdi),%eax  [objdump: movzbl (%rdi),%eax] */
	{ M64, { 0x0f, 0xb6, 0x07 }, 3, false, 1, 0, false, 0, 'z', 4, "movzbl (%rdi),%eax" },
	/* 64-bit: movzwq 0x10(%rsi),%r8  [objdump: movzwq 0x10(%rsi),%r8] */
	{ M64, { 0x4c, 0x0f, 0xb7, 0x46, 0x10 }, 5, false, 2, 8, false, 0, 'z', 8, "movzwq 0x10(%rsi),%r8" },
	/* 64-bit: movzbw (%rax),%r12w  [objdump: movzbw (%rax),%r12w] */
	{ M64, { 0x66, 0x44, 0x0f, 0xb6, 0x20 }, 5, false, 1, 12, false, 0, 'z', 2, "movzbw (%rax),%r12w" },
	/* 64-bit: movsbq (%rax),%rcx  [objdump: movsbq (%rax),%rcx] */
	{ M64, { 0x48, 0x0f, 0xbe, 0x08 }, 4, false, 1, 1, false, 0, 's', 8, "movsbq (%rax),%rcx" },
	/* 64-bit: movswl (%r11),%edx  [objdump: movswl (%r11),%edx] */
	{ M64, { 0x41, 0x0f, 0xbf, 0x13 }, 4, false, 2, 2, false, 0, 's', 4, "movswl (%r11),%edx" },
	/* 64-bit: movswq -0x200000(%rip),%r15  [objdump: movswq -0x200000(%rip),%r15        # 0xffffffffffe00008] */
	{ M64, { 0x4c, 0x0f, 0xbf, 0x3d, 0x00, 0x00, 0xe0, 0xff }, 8, false, 2, 15, false, 0, 's', 8, "movswq -0x200000(%rip),%r15" },
	/* 64-bit: movsbl (%rax),%esp  [objdump: movsbl (%rax),%esp] */
	{ M64, { 0x0f, 0xbe, 0x20 }, 3, false, 1, 4, false, 0, 's', 4, "movsbl (%rax),%esp" },
	/* 64-bit: mov 0x300(%edx),%ecx  [objdump: mov    0x300(%edx),%ecx] */
	{ M64, { 0x67, 0x8b, 0x8a, 0x00, 0x03, 0x00, 0x00 }, 7, false, 4, 1, false, 0, 0, 4, "mov 0x300(%edx),%ecx" },
	/* 64-bit: mov 0x10(%eip),%eax  [objdump: mov    0x10(%eip),%eax        # 0x17] */
	{ M64, { 0x67, 0x8b, 0x05, 0x10, 0x00, 0x00, 0x00 }, 7, false, 4, 0, false, 0, 0, 4, "mov 0x10(%eip),%eax" },
	/* 64-bit: mov %r8d,(%r9d,%r10d,4)  [objdump: mov    %r8d,(%r9d,%r10d,4)] */
	{ M64, { 0x67, 0x47, 0x89, 0x04, 0x91 }, 5, true, 4, 8, false, 0, 0, 4, "mov %r8d,(%r9d,%r10d,4)" },
	/* 64-bit: .byte 0x65; mov %ecx,0x300(%rdx)  [objdump: mov    %ecx,%gs:0x300(%rdx)] */
	{ M64, { 0x65, 0x89, 0x8a, 0x00, 0x03, 0x00, 0x00 }, 7, true, 4, 1, false, 0, 0, 4, ".byte 0x65; mov %ecx,0x300(%rdx)" },
	/* 64-bit: .byte 0x48,0x66; mov %ecx,(%rax)  [objdump: rex.W; mov    %cx,(%rax)] */
	{ M64, { 0x48, 0x66, 0x89, 0x08 }, 4, true, 2, 1, false, 0, 0, 2, ".byte 0x48,0x66; mov %ecx,(%rax)" },
	/* 64-bit: .byte 0x66; mov %rcx,(%rax)  [objdump: data16 mov %rcx,(%rax)] */
	{ M64, { 0x66, 0x48, 0x89, 0x08 }, 4, true, 8, 1, false, 0, 0, 8, ".byte 0x66; mov %rcx,(%rax)" },
	/* 64-bit: .byte 0x66; movq $-2,(%rax)  [objdump: data16 movq $0xfffffffffffffffe,(%rax)] */
	{ M64, { 0x66, 0x48, 0xc7, 0x00, 0xfe, 0xff, 0xff, 0xff }, 8, true, 8, -1, false, 0xfffffffffffffffe, 0, 8, ".byte 0x66; movq $-2,(%rax)" },
	/* 64-bit: .byte 0x48,0x41; mov %ecx,(%rax)  [objdump: rex.W; mov    %ecx,(%r8)] */
	{ M64, { 0x48, 0x41, 0x89, 0x08 }, 4, true, 4, 1, false, 0, 0, 4, ".byte 0x48,0x41; mov %ecx,(%rax)" },
	/* 64-bit: .byte 0x44,0x2e; mov %ecx,(%rax)  [objdump: rex.R; cs mov %ecx,(%rax)] */
	{ M64, { 0x44, 0x2e, 0x89, 0x08 }, 4, true, 4, 1, false, 0, 0, 4, ".byte 0x44,0x2e; mov %ecx,(%rax)" },
	/* 64-bit: .byte 0x2e,0x3e,0x67,0x66,0x41; mov (%eax),%ecx  [objdump: cs ds addr32 data16 rex.B; mov    (%eax),%ecx] */
	{ M64, { 0x2e, 0x3e, 0x67, 0x66, 0x41, 0x67, 0x8b, 0x08 }, 8, false, 2, 1, false, 0, 0, 2, ".byte 0x2e,0x3e,0x67,0x66,0x41; mov (%eax),%ecx" },
	/* 64-bit: .byte 0x4f; mov %eax,0xfee000b0  [objdump: rex.WRXB movabs %rax,0xfee000b0] */
	{ M64, { 0x4f, 0xa3, 0xb0, 0x00, 0xe0, 0xfe, 0x00, 0x00, 0x00, 0x00 }, 10, true, 8, 0, false, 0, 0, 8, ".byte 0x4f; mov %eax,0xfee000b0" },
	/* 64-bit: .byte 0x40; mov %ah,(%rax)  [objdump: mov    %spl,(%rax)] */
	{ M64, { 0x40, 0x88, 0x20 }, 3, true, 1, 4, false, 0, 0, 1, ".byte 0x40; mov %ah,(%rax)" },
	/* 64-bit: .byte 0x64,0x48; movl $0x7fffffff,0x10(%rax)  [objdump: movq   $0x7fffffff,%fs:0x10(%rax)] */
	{ M64, { 0x64, 0x48, 0xc7, 0x40, 0x10, 0xff, 0xff, 0xff, 0x7f }, 9, true, 8, -1, false, 0x7fffffff, 0, 8, ".byte 0x64,0x48; movl $0x7fffffff,0x10(%rax)" },
};
// clang-format on

/* One encoding that must be refused with -E_NOTSUP. */
struct bad_case {
	enum decode_mode mode;
	uint8_t bytes[DECODE_MAX_LEN];
	uint8_t len;
	const char *src;
};

// clang-format off
static const struct bad_case notsup_cases[] = {
	/* 32-bit: lock incl (%eax)  [objdump: lock incl (%eax)] */
	{ M32, { 0xf0, 0xff, 0x00 }, 3, "lock incl (%eax)" },
	/* 32-bit: lock; mov %eax,(%ebx)  [objdump: lock mov %eax,(%ebx)] */
	{ M32, { 0xf0, 0x89, 0x03 }, 3, "lock; mov %eax,(%ebx)" },
	/* 32-bit: rep movsb  [objdump: rep movsb %ds:(%esi),%es:(%edi)] */
	{ M32, { 0xf3, 0xa4 }, 2, "rep movsb" },
	/* 32-bit: rep; mov %eax,(%ebx)  [objdump: xrelease mov %eax,(%ebx)] */
	{ M32, { 0xf3, 0x89, 0x03 }, 3, "rep; mov %eax,(%ebx)" },
	/* 32-bit: repne; mov 0x10(%ebx),%eax  [objdump: repnz mov 0x10(%ebx),%eax] */
	{ M32, { 0xf2, 0x8b, 0x43, 0x10 }, 4, "repne; mov 0x10(%ebx),%eax" },
	/* 32-bit: .byte 0x3e,0x66,0xf3; mov %eax,(%ebx)  [objdump: xrelease mov %ax,%ds:(%ebx)] */
	{ M32, { 0x3e, 0x66, 0xf3, 0x89, 0x03 }, 5, ".byte 0x3e,0x66,0xf3; mov %eax,(%ebx)" },
	/* 64-bit: xrelease movl $1,(%rax)  [objdump: xrelease movl $0x1,(%rax)] */
	{ M64, { 0xf3, 0xc7, 0x00, 0x01, 0x00, 0x00, 0x00 }, 7, "xrelease movl $1,(%rax)" },
	/* 64-bit: lock orl $1,0x300(%rdx)  [objdump: lock orl $0x1,0x300(%rdx)] */
	{ M64, { 0xf0, 0x83, 0x8a, 0x00, 0x03, 0x00, 0x00, 0x01 }, 8, "lock orl $1,0x300(%rdx)" },
	/* 32-bit: xchg %eax,(%ebx)  [objdump: xchg   %eax,(%ebx)] */
	{ M32, { 0x87, 0x03 }, 2, "xchg %eax,(%ebx)" },
	/* 32-bit: add %eax,(%ebx)  [objdump: add    %eax,(%ebx)] */
	{ M32, { 0x01, 0x03 }, 2, "add %eax,(%ebx)" },
	/* 32-bit: orl $0x100,0xf0(%ebx)  [objdump: orl    $0x100,0xf0(%ebx)] */
	{ M32, { 0x81, 0x8b, 0xf0, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00 }, 10, "orl $0x100,0xf0(%ebx)" },
	/* 32-bit: testl $1,0x300(%ebx)  [objdump: testl  $0x1,0x300(%ebx)] */
	{ M32, { 0xf7, 0x83, 0x00, 0x03, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00 }, 10, "testl $1,0x300(%ebx)" },
	/* 32-bit: stosl  [objdump: stos   %eax,%es:(%edi)] */
	{ M32, { 0xab }, 1, "stosl" },
	/* 32-bit: movsl  [objdump: movsl  %ds:(%esi),%es:(%edi)] */
	{ M32, { 0xa5 }, 1, "movsl" },
	/* 32-bit: mov %eax,%ebx  [objdump: mov    %eax,%ebx] */
	{ M32, { 0x89, 0xc3 }, 2, "mov %eax,%ebx" },
	/* 32-bit: mov %bl,%ah  [objdump: mov    %bl,%ah] */
	{ M32, { 0x88, 0xdc }, 2, "mov %bl,%ah" },
	/* 32-bit: .byte 0x8b,0xc3  [objdump: mov    %ebx,%eax] */
	{ M32, { 0x8b, 0xc3 }, 2, ".byte 0x8b,0xc3" },
	/* 32-bit: .byte 0xc7,0xc0,1,0,0,0  [objdump: mov    $0x1,%eax] */
	{ M32, { 0xc7, 0xc0, 0x01, 0x00, 0x00, 0x00 }, 6, ".byte 0xc7,0xc0,1,0,0,0" },
	/* 32-bit: .byte 0xc6,0xc0,0x01  [objdump: mov    $0x1,%al] */
	{ M32, { 0xc6, 0xc0, 0x01 }, 3, ".byte 0xc6,0xc0,0x01" },
	/* 32-bit: movzbl %al,%eax  [objdump: movzbl %al,%eax] */
	{ M32, { 0x0f, 0xb6, 0xc0 }, 3, "movzbl %al,%eax" },
	/* 32-bit: movsbl %al,%eax  [objdump: movsbl %al,%eax] */
	{ M32, { 0x0f, 0xbe, 0xc0 }, 3, "movsbl %al,%eax" },
	/* 32-bit: .byte 0xc6,0x08,0x00  [objdump: (bad); or     %al,(%eax)] */
	{ M32, { 0xc6, 0x08, 0x00 }, 3, ".byte 0xc6,0x08,0x00" },
	/* 32-bit: .byte 0xc7,0x38,0,0,0,0  [objdump: (bad); cmp    %al,(%eax); add    %al,(%eax)] */
	{ M32, { 0xc7, 0x38, 0x00, 0x00, 0x00, 0x00 }, 6, ".byte 0xc7,0x38,0,0,0,0" },
	/* 32-bit: inc %eax  [objdump: inc    %eax] */
	{ M32, { 0x40 }, 1, "inc %eax" },
	/* 32-bit: dec %edi  [objdump: dec    %edi] */
	{ M32, { 0x4f }, 1, "dec %edi" },
	/* 32-bit: ud2  [objdump: ud2] */
	{ M32, { 0x0f, 0x0b }, 2, "ud2" },
	/* 32-bit: cmpxchg %ecx,(%ebx)  [objdump: cmpxchg %ecx,(%ebx)] */
	{ M32, { 0x0f, 0xb1, 0x0b }, 3, "cmpxchg %ecx,(%ebx)" },
	/* 32-bit: movnti %eax,(%ebx)  [objdump: movnti %eax,(%ebx)] */
	{ M32, { 0x0f, 0xc3, 0x03 }, 3, "movnti %eax,(%ebx)" },
	/* 32-bit: movd %xmm0,(%eax)  [objdump: movd   %xmm0,(%eax)] */
	{ M32, { 0x66, 0x0f, 0x7e, 0x00 }, 4, "movd %xmm0,(%eax)" },
	/* 32-bit: push (%eax)  [objdump: push   (%eax)] */
	{ M32, { 0xff, 0x30 }, 2, "push (%eax)" },
	/* 32-bit: pop (%eax)  [objdump: pop    (%eax)] */
	{ M32, { 0x8f, 0x00 }, 2, "pop (%eax)" },
	/* 32-bit: mov %ds,(%eax)  [objdump: mov    %ds,(%eax)] */
	{ M32, { 0x8c, 0x18 }, 2, "mov %ds,(%eax)" },
	/* 32-bit: mov (%eax),%ds  [objdump: mov    (%eax),%ds] */
	{ M32, { 0x8e, 0x18 }, 2, "mov (%eax),%ds" },
	/* 32-bit: lea 0x10(%eax),%ecx  [objdump: lea    0x10(%eax),%ecx] */
	{ M32, { 0x8d, 0x48, 0x10 }, 3, "lea 0x10(%eax),%ecx" },
	/* 32-bit: hlt  [objdump: hlt] */
	{ M32, { 0xf4 }, 1, "hlt" },
	/* 32-bit: nop  [objdump: nop] */
	{ M32, { 0x90 }, 1, "nop" },
	/* 64-bit: movslq (%rax),%rcx  [objdump: movslq (%rax),%rcx] */
	{ M64, { 0x48, 0x63, 0x08 }, 3, "movslq (%rax),%rcx" },
	/* 64-bit: vmovdqu (%rax),%ymm0  [objdump: vmovdqu (%rax),%ymm0] */
	{ M64, { 0xc5, 0xfe, 0x6f, 0x00 }, 4, "vmovdqu (%rax),%ymm0" },
	/* 64-bit: vmovd %xmm1,(%rax)  [objdump: vmovd  %xmm1,(%rax)] */
	{ M64, { 0xc5, 0xf9, 0x7e, 0x08 }, 4, "vmovd %xmm1,(%rax)" },
	/* 64-bit: mov %rax,%rbx  [objdump: mov    %rax,%rbx] */
	{ M64, { 0x48, 0x89, 0xc3 }, 3, "mov %rax,%rbx" },
	/* 64-bit: mov %r8b,%r9b  [objdump: mov    %r8b,%r9b] */
	{ M64, { 0x45, 0x88, 0xc1 }, 3, "mov %r8b,%r9b" },
	/* 64-bit: movzwl %r8w,%eax  [objdump: movzwl %r8w,%eax] */
	{ M64, { 0x41, 0x0f, 0xb7, 0xc0 }, 4, "movzwl %r8w,%eax" },
	/* 64-bit: movbe (%rax),%eax  [objdump: movbe  (%rax),%eax] */
	{ M64, { 0x0f, 0x38, 0xf0, 0x00 }, 4, "movbe (%rax),%eax" },
	/* 64-bit: movq %xmm0,(%rax)  [objdump: movq   %xmm0,(%rax)] */
	{ M64, { 0x66, 0x0f, 0xd6, 0x00 }, 4, "movq %xmm0,(%rax)" },
	/* 64-bit: .byte 0x48,0x0f,0xb8,0x00  [objdump: rex.W (bad)] */
	{ M64, { 0x48, 0x0f, 0xb8, 0x00 }, 4, ".byte 0x48,0x0f,0xb8,0x00" },
	/* 64-bit: xabort $1  [objdump: xabort $0x1] */
	{ M64, { 0xc6, 0xf8, 0x01 }, 3, "xabort $1" },
	/* 64-bit: bswap %eax  [objdump: bswap  %eax] */
	{ M64, { 0x0f, 0xc8 }, 2, "bswap %eax" },
	/* 16-bit: mov %ax,%bx  [objdump: mov    %ax,%bx] */
	{ M16, { 0x89, 0xc3 }, 2, "mov %ax,%bx" },
	/* 16-bit: les (%bx),%ax  [objdump: les    (%bx),%ax] */
	{ M16, { 0xc4, 0x07 }, 2, "les (%bx),%ax" },
	/* 16-bit: .byte 0x40  [objdump: inc    %ax] */
	{ M16, { 0x40 }, 1, ".byte 0x40" },
	/* 16-bit: int $0x10  [objdump: int    $0x10] */
	{ M16, { 0xcd, 0x10 }, 2, "int $0x10" },
};
// clang-format on

static const char *mode_name(enum decode_mode m)
{
	return m == M16 ? "16-bit" : m == M32 ? "32-bit" : "64-bit";
}

/* Decode from a heap copy of exactly n bytes, so ASan catches any over-read. */
static int decode_exact(const uint8_t *bytes, size_t n, enum decode_mode mode,
			struct mmio_insn *out)
{
	uint8_t *copy = malloc(n ? n : 1);
	int rc;

	assert_non_null(copy);
	if (n)
		memcpy(copy, bytes, n);
	rc = decode_mmio(n ? copy : NULL, n, mode, out);
	free(copy);
	return rc;
}

static bool all_zero(const struct mmio_insn *in)
{
	static const struct mmio_insn zero;

	return memcmp(in, &zero, sizeof(zero)) == 0;
}

static void check_ok(const struct ok_case *c, const struct mmio_insn *d)
{
	if (d->len != c->len || d->write != c->write || d->size != c->size || d->reg != c->reg ||
	    d->high_byte != c->high_byte || d->imm != c->imm || d->zero_extend != (c->ext == 'z') ||
	    d->sign_extend != (c->ext == 's') || d->dst_size != c->dst_size)
		fail_msg(
			"%s '%s': got len %u write %d size %u reg %d high %d imm 0x%llx zx %d sx %d "
			"dst %u; want len %u write %d size %u reg %d high %d imm 0x%llx ext %c dst %u",
			mode_name(c->mode), c->src, d->len, d->write, d->size, d->reg, d->high_byte,
			(unsigned long long)d->imm, d->zero_extend, d->sign_extend, d->dst_size,
			c->len, c->write, c->size, c->reg, c->high_byte, (unsigned long long)c->imm,
			c->ext ? c->ext : '-', c->dst_size);
}

/* Every table row decodes exactly, silently, with exactly len bytes available. */
static void test_table_exact(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(ok_cases); i++) {
		const struct ok_case *c = &ok_cases[i];
		struct mmio_insn d;
		int rc;

		console_capture_reset();
		rc = decode_exact(c->bytes, c->len, c->mode, &d);
		if (rc)
			fail_msg("%s '%s': rc %d, console: %s", mode_name(c->mode), c->src, rc,
				 console_capture());
		check_ok(c, &d);
		assert_int_equal(console_capture_lines(), 0);
	}
}

/* Trailing bytes (the rest of a 15-byte fetch) never change the result. */
static void test_table_trailing_bytes(void **state)
{
	static const uint8_t fill[] = { 0x00, 0x66, 0xff, 0x48, 0x0f };

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(ok_cases); i++) {
		const struct ok_case *c = &ok_cases[i];

		for (size_t f = 0; f < ARRAY_SIZE(fill); f++) {
			uint8_t buf[DECODE_MAX_LEN + 5];
			struct mmio_insn d;

			memset(buf, fill[f], sizeof(buf));
			memcpy(buf, c->bytes, c->len);
			assert_int_equal(decode_exact(buf, sizeof(buf), c->mode, &d), 0);
			check_ok(c, &d);
		}
	}
}

/* Cutting a valid instruction anywhere is -E_INVAL with one truncation line. */
static void test_table_truncated_everywhere(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(ok_cases); i++) {
		const struct ok_case *c = &ok_cases[i];

		for (size_t n = 0; n < c->len; n++) {
			struct mmio_insn d;
			int rc;

			memset(&d, 0xa5, sizeof(d));
			console_capture_reset();
			rc = decode_exact(c->bytes, n, c->mode, &d);
			if (rc != -E_INVAL)
				fail_msg("%s '%s' cut to %zu bytes: rc %d", mode_name(c->mode),
					 c->src, n, rc);
			assert_true(all_zero(&d));
			assert_int_equal(console_capture_lines(), 1);
			assert_true(console_capture_has("decode: instruction truncated"));
		}
	}
}

/* The same bytes in another mode mean something else: spot-check a few. */
static void test_mode_changes_meaning(void **state)
{
	/* 64-bit "mov %rax,(%rdi)" is "dec %eax; mov %eax,(%edi)" in 32-bit. */
	static const uint8_t rexw_mov[] = { 0x48, 0x89, 0x07 };
	/* 32-bit "mov %eax,0xfee000b0" (a3 + moffs32) in 16-bit mode reads moffs16. */
	static const uint8_t moffs[] = { 0xa3, 0xb0, 0x00, 0xe0, 0xfe };
	/* 32-bit "mov 0x300(%edx),%ecx" = 8b 8a disp32; in 16-bit it is [bp+si]+disp16. */
	static const uint8_t disp[] = { 0x8b, 0x8a, 0x00, 0x03, 0x00, 0x00 };
	struct mmio_insn d;

	(void)state;
	console_capture_reset();
	assert_int_equal(decode_exact(rexw_mov, sizeof(rexw_mov), M32, &d), -E_NOTSUP);
	assert_true(console_capture_has("decode: unsupported opcode 0x48"));

	assert_int_equal(decode_exact(moffs, sizeof(moffs), M16, &d), 0);
	assert_int_equal(d.len, 3);
	assert_int_equal(d.size, 2);
	assert_true(d.write);
	assert_int_equal(decode_exact(moffs, sizeof(moffs), M64, &d), -E_INVAL);

	assert_int_equal(decode_exact(disp, sizeof(disp), M16, &d), 0);
	assert_int_equal(d.len, 4);
	assert_int_equal(d.size, 2);
	assert_int_equal(d.reg, 1);
	assert_int_equal(decode_exact(disp, sizeof(disp), M64, &d), 0);
	assert_int_equal(d.len, 6);
	assert_int_equal(d.size, 4);
}

/* Each unsupported form is -E_NOTSUP with exactly one "decode: " line. */
static void test_notsup_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(notsup_cases); i++) {
		const struct bad_case *c = &notsup_cases[i];
		struct mmio_insn d;
		int rc;

		memset(&d, 0xa5, sizeof(d));
		console_capture_reset();
		rc = decode_exact(c->bytes, c->len, c->mode, &d);
		if (rc != -E_NOTSUP)
			fail_msg("%s '%s': rc %d, want -E_NOTSUP", mode_name(c->mode), c->src, rc);
		assert_true(all_zero(&d));
		assert_int_equal(console_capture_lines(), 1);
		assert_true(console_capture_has("decode: "));
	}
}

/* The diagnostic says which rule refused the instruction. */
static void test_notsup_messages(void **state)
{
	static const struct {
		enum decode_mode mode;
		uint8_t bytes[4];
		uint8_t len;
		const char *line;
	} cases[] = {
		{ M32, { 0xf0, 0x89, 0x03 }, 3, "decode: LOCK prefix" },
		{ M64, { 0xf3, 0x89, 0x03 }, 3, "decode: REP/REPNE prefix 0xf3" },
		{ M16, { 0xf2, 0x89, 0x03 }, 3, "decode: REP/REPNE prefix 0xf2" },
		{ M32,
		  { 0x89, 0xc3 },
		  2,
		  "decode: opcode 0x89 with ModR/M 0xc3 has a register operand" },
		{ M64, { 0x0f, 0xb7, 0xc0 }, 3, "decode: opcode 0xb7 with ModR/M 0xc0" },
		{ M32, { 0xc6, 0x08, 0x00 }, 3, "decode: opcode 0xc6 /1 is not supported" },
		{ M64, { 0x48, 0xc7, 0x38, 0x00 }, 4, "decode: opcode 0xc7 /7 is not supported" },
		{ M32, { 0x87, 0x03 }, 2, "decode: unsupported opcode 0x87" },
		{ M64, { 0x0f, 0x0b }, 2, "decode: unsupported opcode 0x0f 0x0b" },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct mmio_insn d;

		console_capture_reset();
		assert_int_equal(decode_exact(cases[i].bytes, cases[i].len, cases[i].mode, &d),
				 -E_NOTSUP);
		if (!console_capture_has(cases[i].line))
			fail_msg("case %zu: want '%s', got '%s'", i, cases[i].line,
				 console_capture());
		assert_int_equal(console_capture_lines(), 1);
	}
}

/* A refused prefix is refused even when the rest is missing or unsupported. */
static void test_lock_rep_refused_early(void **state)
{
	static const uint8_t lone_lock[] = { 0x66, 0xf0 };
	static const uint8_t rep_after_rex[] = { 0x48, 0xf3, 0xa5 };
	struct mmio_insn d;

	(void)state;
	assert_int_equal(decode_exact(lone_lock, sizeof(lone_lock), M32, &d), -E_NOTSUP);
	assert_int_equal(decode_exact(rep_after_rex, sizeof(rep_after_rex), M64, &d), -E_NOTSUP);
}

/* Instructions may not exceed 15 bytes, however many bytes the caller has. */
static void test_length_limit(void **state)
{
	uint8_t buf[32];
	struct mmio_insn d;

	(void)state;
	/* 6 prefixes + movabs %eax,moffs64 (a3 + 8 bytes) = exactly 15: accepted. */
	memset(buf, 0x3e, 6);
	buf[6] = 0xa3;
	memset(buf + 7, 0x11, 8);
	assert_int_equal(decode_exact(buf, 15, M64, &d), 0);
	assert_int_equal(d.len, 15);
	assert_int_equal(d.size, 4);
	assert_true(d.write);

	/* 7 prefixes: the same instruction would be 16 bytes. */
	memset(buf, 0x3e, 7);
	buf[7] = 0xa3;
	memset(buf + 8, 0x11, 8);
	console_capture_reset();
	assert_int_equal(decode_exact(buf, 16, M64, &d), -E_INVAL);
	assert_true(console_capture_has("decode: instruction longer than 15 bytes"));
	assert_int_equal(console_capture_lines(), 1);
	assert_true(all_zero(&d));

	/* 15 prefixes and nothing else, with plenty more prefixes after. */
	memset(buf, 0x66, sizeof(buf));
	console_capture_reset();
	assert_int_equal(decode_exact(buf, sizeof(buf), M32, &d), -E_INVAL);
	assert_true(console_capture_has("decode: instruction longer than 15 bytes"));

	/* Exactly 15 prefix bytes available: still "longer", not "truncated". */
	console_capture_reset();
	assert_int_equal(decode_exact(buf, 15, M16, &d), -E_INVAL);
	assert_true(console_capture_has("longer than 15"));

	/* REX prefixes count too; the immediate is what crosses the limit. */
	memset(buf, 0x48, 8);
	buf[8] = 0xc7; /* movq $imm32,disp32(%rip): c7 05 d32 i32 = 10 bytes */
	buf[9] = 0x05;
	memset(buf + 10, 0, 8);
	assert_int_equal(decode_exact(buf, 18, M64, &d), -E_INVAL);
	assert_int_equal(decode_exact(buf + 3, 15, M64, &d), 0);
	assert_int_equal(d.len, 15);
	assert_int_equal(d.size, 8);
}

static void test_bad_arguments(void **state)
{
	static const uint8_t mov[] = { 0x89, 0x08 };
	struct mmio_insn d;

	(void)state;
	console_capture_reset();
	assert_int_equal(decode_mmio(mov, sizeof(mov), M64, NULL), -E_INVAL);
	assert_int_equal(console_capture_lines(), 1);

	console_capture_reset();
	assert_int_equal(decode_mmio(mov, sizeof(mov), (enum decode_mode)3, &d), -E_INVAL);
	assert_true(console_capture_has("decode: bad arguments"));
	assert_true(all_zero(&d));

	assert_int_equal(decode_mmio(NULL, 2, M64, &d), -E_INVAL);

	console_capture_reset();
	assert_int_equal(decode_mmio(NULL, 0, M64, &d), -E_INVAL);
	assert_true(console_capture_has("decode: instruction truncated"));
}

/* ---- register file side ---- */

#define FILL 0x1122334455667788ULL

static void fill_regs(uint64_t *regs)
{
	for (int i = 0; i < 16; i++)
		regs[i] = FILL + (uint64_t)i;
}

/* Only regs[reg] may change. */
static void assert_others_untouched(const uint64_t *regs, int reg)
{
	for (int i = 0; i < 16; i++)
		if (i != reg)
			assert_int_equal(regs[i], FILL + (uint64_t)i);
}

static void test_apply_load_widths(void **state)
{
	struct mmio_insn in = { .size = 4, .dst_size = 4, .reg = 3 };
	uint64_t regs[16];

	(void)state;
	/* 32-bit destination: zero-extends into all 64 bits. */
	fill_regs(regs);
	assert_int_equal(decode_apply_load(&in, 0xdeadbeefcafef00dULL, regs), 0);
	assert_int_equal(regs[3], 0xcafef00dULL);
	assert_others_untouched(regs, 3);

	/* 64-bit destination: the whole value. */
	in.size = in.dst_size = 8;
	in.reg = 15;
	fill_regs(regs);
	assert_int_equal(decode_apply_load(&in, 0xdeadbeefcafef00dULL, regs), 0);
	assert_int_equal(regs[15], 0xdeadbeefcafef00dULL);
	assert_others_untouched(regs, 15);

	/* 16-bit destination: merges into bits 15:0. */
	in.size = in.dst_size = 2;
	in.reg = 9;
	fill_regs(regs);
	assert_int_equal(decode_apply_load(&in, 0xffffffffffffabcdULL, regs), 0);
	assert_int_equal(regs[9], ((FILL + 9) & ~0xffffULL) | 0xabcd);
	assert_others_untouched(regs, 9);

	/* 8-bit low destination (SPL slot, since REX was present): bits 7:0. */
	in.size = in.dst_size = 1;
	in.reg = 4;
	fill_regs(regs);
	assert_int_equal(decode_apply_load(&in, 0x1ee, regs), 0);
	assert_int_equal(regs[4], ((FILL + 4) & ~0xffULL) | 0xee);
	assert_others_untouched(regs, 4);

	/* AH..BH: bits 15:8 of rax..rbx, everything else kept. */
	for (int r = 0; r < 4; r++) {
		in.reg = (int8_t)r;
		in.high_byte = true;
		fill_regs(regs);
		assert_int_equal(decode_apply_load(&in, 0x3c5, regs), 0);
		assert_int_equal(regs[r], ((FILL + (uint64_t)r) & ~0xff00ULL) | 0xc500);
		assert_others_untouched(regs, r);
	}

	/* A hand-built plain load may leave dst_size 0. */
	memset(&in, 0, sizeof(in));
	in.size = 2;
	in.reg = 0;
	fill_regs(regs);
	assert_int_equal(decode_apply_load(&in, 0x1234, regs), 0);
	assert_int_equal(regs[0], (FILL & ~0xffffULL) | 0x1234);
}

static void test_apply_load_extend(void **state)
{
	struct mmio_insn in = { .size = 1, .dst_size = 4, .reg = 1, .zero_extend = true };
	uint64_t regs[16];

	(void)state;
	/* movzbl: zero-extend to 32, then the 32-bit write clears 63:32. */
	fill_regs(regs);
	assert_int_equal(decode_apply_load(&in, 0xff80, regs), 0);
	assert_int_equal(regs[1], 0x80);

	/* movsbl: sign-extend to 32, upper half cleared. */
	in.zero_extend = false;
	in.sign_extend = true;
	fill_regs(regs);
	assert_int_equal(decode_apply_load(&in, 0x80, regs), 0);
	assert_int_equal(regs[1], 0xffffff80ULL);

	/* movsbq / movswq: sign-extend to 64. */
	in.dst_size = 8;
	fill_regs(regs);
	assert_int_equal(decode_apply_load(&in, 0x7f, regs), 0);
	assert_int_equal(regs[1], 0x7f);
	in.size = 2;
	assert_int_equal(decode_apply_load(&in, 0x12348000, regs), 0);
	assert_int_equal(regs[1], 0xffffffffffff8000ULL);

	/* movsbw: 16-bit destination merges, upper 48 bits kept. */
	in.size = 1;
	in.dst_size = 2;
	fill_regs(regs);
	assert_int_equal(decode_apply_load(&in, 0x90, regs), 0);
	assert_int_equal(regs[1], ((FILL + 1) & ~0xffffULL) | 0xff90);

	/* movzwq: zero-extend to 64. */
	in.sign_extend = false;
	in.zero_extend = true;
	in.size = 2;
	in.dst_size = 8;
	fill_regs(regs);
	assert_int_equal(decode_apply_load(&in, 0xfffff234, regs), 0);
	assert_int_equal(regs[1], 0xf234);
	assert_others_untouched(regs, 1);
}

static void test_apply_load_rejects(void **state)
{
	const struct mmio_insn bad[] = {
		{ .write = true, .size = 4, .dst_size = 4, .reg = 0 }, /* a store */
		{ .size = 4, .dst_size = 4, .reg = -1 },	       /* immediate */
		{ .size = 4, .dst_size = 4, .reg = 16 },	       /* no such register */
		{ .size = 3, .dst_size = 4, .reg = 0 },		       /* bad size */
		{ .size = 4, .dst_size = 2, .reg = 0 },		       /* narrower destination */
		{ .size = 1, .dst_size = 1, .reg = 4, .high_byte = true }, /* no "SPH" */
		{ .size = 1, .dst_size = 2, .reg = 0, .high_byte = true }, /* AH is 8-bit */
		{ .size = 1, .dst_size = 4, .reg = 0, .zero_extend = true, .sign_extend = true },
	};
	uint64_t regs[16];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		fill_regs(regs);
		console_capture_reset();
		assert_int_equal(decode_apply_load(&bad[i], 0x55, regs), -E_INVAL);
		assert_int_equal(console_capture_lines(), 1);
		assert_true(console_capture_has("decode: apply_load"));
		assert_others_untouched(regs, -1);
	}
	assert_int_equal(decode_apply_load(NULL, 0, regs), -E_INVAL);
	assert_int_equal(decode_apply_load(&bad[1], 0, NULL), -E_INVAL);
}

static void test_store_value(void **state)
{
	struct mmio_insn in = { .write = true, .size = 4, .dst_size = 4, .reg = 2 };
	uint64_t regs[16];

	(void)state;
	fill_regs(regs);
	assert_int_equal(decode_store_value(&in, regs), (FILL + 2) & 0xffffffffULL);
	in.size = 8;
	in.reg = 14;
	assert_int_equal(decode_store_value(&in, regs), FILL + 14);
	in.size = 2;
	assert_int_equal(decode_store_value(&in, regs), (FILL + 14) & 0xffff);
	in.size = 1;
	in.reg = 4; /* SPL */
	assert_int_equal(decode_store_value(&in, regs), (FILL + 4) & 0xff);
	in.high_byte = true;
	for (int r = 0; r < 4; r++) {
		in.reg = (int8_t)r;
		assert_int_equal(decode_store_value(&in, regs), ((FILL + (uint64_t)r) >> 8) & 0xff);
	}

	/* Immediates are masked to the access size. */
	memset(&in, 0, sizeof(in));
	in.write = true;
	in.reg = -1;
	in.imm = 0xfffffffffffffff0ULL;
	in.size = 8;
	assert_int_equal(decode_store_value(&in, regs), 0xfffffffffffffff0ULL);
	in.size = 4;
	assert_int_equal(decode_store_value(&in, regs), 0xfffffff0ULL);
	in.size = 2;
	assert_int_equal(decode_store_value(&in, regs), 0xfff0);
	in.size = 1;
	assert_int_equal(decode_store_value(&in, regs), 0xf0);

	/* Not a store, or not a sane one: 0 and one line. */
	in.write = false;
	console_capture_reset();
	assert_int_equal(decode_store_value(&in, regs), 0);
	assert_true(console_capture_has("decode: store_value"));
	in.write = true;
	in.size = 5;
	assert_int_equal(decode_store_value(&in, regs), 0);
	in.size = 1;
	in.reg = 16;
	assert_int_equal(decode_store_value(&in, regs), 0);
	in.reg = 5;
	in.high_byte = true;
	assert_int_equal(decode_store_value(&in, regs), 0);
	assert_int_equal(console_capture_lines(), 4);
	assert_int_equal(decode_store_value(NULL, regs), 0);
}

/* Decode real instructions and run them against a register file. */
static void test_end_to_end(void **state)
{
	/* 64-bit: mov 0x20(%r8),%r11d */
	static const uint8_t ld32[] = { 0x45, 0x8b, 0x58, 0x20 };
	/* 64-bit: mov (%rax),%bh */
	static const uint8_t ldbh[] = { 0x8a, 0x38 };
	/* 64-bit: movsbq (%rax),%rcx */
	static const uint8_t movsbq[] = { 0x48, 0x0f, 0xbe, 0x08 };
	/* 32-bit: movzbw (%eax),%cx */
	static const uint8_t movzbw[] = { 0x66, 0x0f, 0xb6, 0x08 };
	/* 64-bit: mov %ah,(%rbx) / mov %spl,(%rbx) */
	static const uint8_t stah[] = { 0x88, 0x23 };
	static const uint8_t stspl[] = { 0x40, 0x88, 0x23 };
	/* 64-bit: movq $-1,0x300(%rbx) */
	static const uint8_t stimm[] = { 0x48, 0xc7, 0x83, 0x00, 0x03, 0x00,
					 0x00, 0xff, 0xff, 0xff, 0xff };
	/* 16-bit: mov %ax,0x300(%bx) */
	static const uint8_t st16[] = { 0x89, 0x87, 0x00, 0x03 };
	struct mmio_insn d;
	uint64_t regs[16];

	(void)state;
	fill_regs(regs);
	assert_int_equal(decode_exact(ld32, sizeof(ld32), M64, &d), 0);
	assert_int_equal(decode_apply_load(&d, 0xaaaaaaaa00000030ULL, regs), 0);
	assert_int_equal(regs[11], 0x30);
	assert_others_untouched(regs, 11);

	fill_regs(regs);
	assert_int_equal(decode_exact(ldbh, sizeof(ldbh), M64, &d), 0);
	assert_int_equal(decode_apply_load(&d, 0x99, regs), 0);
	assert_int_equal(regs[3], ((FILL + 3) & ~0xff00ULL) | 0x9900);
	assert_others_untouched(regs, 3);

	fill_regs(regs);
	assert_int_equal(decode_exact(movsbq, sizeof(movsbq), M64, &d), 0);
	assert_int_equal(decode_apply_load(&d, 0xfe, regs), 0);
	assert_int_equal(regs[1], 0xfffffffffffffffeULL);

	fill_regs(regs);
	assert_int_equal(decode_exact(movzbw, sizeof(movzbw), M32, &d), 0);
	assert_int_equal(decode_apply_load(&d, 0xfe, regs), 0);
	assert_int_equal(regs[1], ((FILL + 1) & ~0xffffULL) | 0x00fe);

	fill_regs(regs);
	assert_int_equal(decode_exact(stah, sizeof(stah), M64, &d), 0);
	assert_int_equal(decode_store_value(&d, regs), (FILL >> 8) & 0xff);
	assert_int_equal(decode_exact(stspl, sizeof(stspl), M64, &d), 0);
	assert_int_equal(decode_store_value(&d, regs), (FILL + 4) & 0xff);
	assert_int_equal(decode_exact(stimm, sizeof(stimm), M64, &d), 0);
	assert_int_equal(decode_store_value(&d, regs), ~0ULL);
	assert_int_equal(decode_exact(st16, sizeof(st16), M16, &d), 0);
	assert_int_equal(decode_store_value(&d, regs), FILL & 0xffff);

	/* A load handed to store_value (and vice versa) is refused. */
	console_capture_reset();
	assert_int_equal(decode_apply_load(&d, 0, regs), -E_INVAL);
	assert_int_equal(decode_exact(ld32, sizeof(ld32), M64, &d), 0);
	assert_int_equal(decode_store_value(&d, regs), 0);
	assert_int_equal(console_capture_lines(), 2);
}

/* ---- fuzz ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rng(void)
{
	/* xorshift64*: deterministic, so a failure reproduces. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

/* Mostly bytes the decoder cares about, so the fuzz reaches deep paths. */
static uint8_t fuzz_byte(void)
{
	static const uint8_t hot[] = { 0x66, 0x67, 0x2e, 0x3e, 0x26, 0x36, 0x64, 0x65, 0x40,
				       0x41, 0x44, 0x48, 0x4c, 0x4f, 0x88, 0x89, 0x8a, 0x8b,
				       0xc6, 0xc7, 0xa0, 0xa1, 0xa2, 0xa3, 0x0f, 0xb6, 0xb7,
				       0xbe, 0xbf, 0x04, 0x05, 0x44, 0x84, 0x25, 0x06, 0xf0 };
	uint64_t r = rng();

	return (r & 3) ? hot[(r >> 8) % ARRAY_SIZE(hot)] : (uint8_t)(r >> 16);
}

static void check_invariants(const uint8_t *buf, size_t n, enum decode_mode mode,
			     const struct mmio_insn *d)
{
	struct mmio_insn again;
	uint64_t regs[16] = { 0 };

	assert_true(d->len >= 2 && d->len <= DECODE_MAX_LEN && d->len <= n);
	assert_true(d->size == 1 || d->size == 2 || d->size == 4 || d->size == 8);
	assert_true(d->reg >= -1 && d->reg <= 15);
	assert_true(!d->high_byte || (d->reg >= 0 && d->reg <= 3 && d->size == 1));
	assert_true(d->reg >= 0 || d->write);
	assert_true(!(d->zero_extend && d->sign_extend));
	assert_true(!(d->zero_extend || d->sign_extend) || !d->write);
	assert_true(d->dst_size >= d->size && d->dst_size <= 8);
	assert_true(d->write || d->reg >= 0);

	/* The instruction is self-delimiting: its own bytes decode the same... */
	assert_int_equal(decode_exact(buf, d->len, mode, &again), 0);
	assert_memory_equal(&again, d, sizeof(again));
	/* ...and one byte fewer is not enough. */
	assert_int_equal(decode_exact(buf, d->len - 1u, mode, &again), -E_INVAL);

	console_capture_reset();
	if (d->write)
		(void)decode_store_value(d, regs);
	else
		assert_int_equal(decode_apply_load(d, rng(), regs), 0);
	assert_int_equal(console_capture_lines(), 0);
}

static void test_fuzz(void **state)
{
	unsigned ok = 0, inval = 0, notsup = 0;

	(void)state;
	for (int iter = 0; iter < 100000; iter++) {
		size_t n = rng() % 20;
		enum decode_mode mode = (enum decode_mode)(rng() % 3);
		uint8_t buf[20];
		struct mmio_insn d;
		int rc;

		for (size_t i = 0; i < n; i++)
			buf[i] = (rng() & 7) ? fuzz_byte() : (uint8_t)rng();
		console_capture_reset();
		rc = decode_exact(buf, n, mode, &d);
		if (rc == 0) {
			assert_int_equal(console_capture_lines(), 0);
			check_invariants(buf, n, mode, &d);
			ok++;
		} else {
			assert_true(rc == -E_INVAL || rc == -E_NOTSUP);
			assert_int_equal(console_capture_lines(), 1);
			assert_true(all_zero(&d));
			if (rc == -E_INVAL)
				inval++;
			else
				notsup++;
		}
	}
	/* The generator must actually reach all three outcomes. */
	print_message("fuzz: %u decoded, %u truncated/too long, %u unsupported\n", ok, inval,
		      notsup);
	assert_true(ok > 5000 && inval > 5000 && notsup > 5000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_exact),
		cmocka_unit_test(test_table_trailing_bytes),
		cmocka_unit_test(test_table_truncated_everywhere),
		cmocka_unit_test(test_mode_changes_meaning),
		cmocka_unit_test(test_notsup_table),
		cmocka_unit_test(test_notsup_messages),
		cmocka_unit_test(test_lock_rep_refused_early),
		cmocka_unit_test(test_length_limit),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_apply_load_widths),
		cmocka_unit_test(test_apply_load_extend),
		cmocka_unit_test(test_apply_load_rejects),
		cmocka_unit_test(test_store_value),
		cmocka_unit_test(test_end_to_end),
		cmocka_unit_test(test_fuzz),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

package decoder

// The opcode table for 64-bit mode, one instruction form per line:
//
//	OPCODE  SELECT  MNEMONIC  ARGS  [ATTRS]
//
// OPCODE is written as the SDM writes it: an optional mandatory prefix (66, F3,
// F2), then the map escape bytes (0F, 0F 38, 0F 3A), then the opcode byte; "+r"
// after it means eight opcodes that carry a register in their low bits.
// SELECT picks on the ModRM byte: "-" none; "r" any ModRM; "m" memory forms
// only; "x" register forms only (mod=3); "/N" reg field N; "m/N" and "x/N"
// both; "x/N.M" reg N and rm M with mod=3.
// ARGS use the SDM's opcode-map operand notation (see operand.go); "-" none.
// ATTRS: lock (LOCK allowed with a memory destination), d64 (operand size
// defaults to 64, 66 selects 16), f64 (always 64: 66 ignored), sse (the
// prefixes select the form: a prefix with no form of its own is #UD, and 66
// is not an operand-size prefix), rep (F3/F2 are REP prefixes), a16 (the
// memory operand is aligned to 16 bytes or #GP), nox (a ModRM whose mod is 3
// has no register form and is #UD), modreg (the ModRM's mod field is
// ignored: rm always names a register, with no SIB or displacement), norep
// (an F2 or F3 that selects no form of its own is #UD; 66 stays the
// operand-size prefix).
const opcodeTable = `
00     r    add     Eb,Gb    lock
01     r    add     Ev,Gv    lock
02     r    add     Gb,Eb
03     r    add     Gv,Ev
04     -    add     AL,Ib
05     -    add     rAX,Iz
08     r    or      Eb,Gb    lock
09     r    or      Ev,Gv    lock
0A     r    or      Gb,Eb
0B     r    or      Gv,Ev
0C     -    or      AL,Ib
0D     -    or      rAX,Iz
10     r    adc     Eb,Gb    lock
11     r    adc     Ev,Gv    lock
12     r    adc     Gb,Eb
13     r    adc     Gv,Ev
14     -    adc     AL,Ib
15     -    adc     rAX,Iz
18     r    sbb     Eb,Gb    lock
19     r    sbb     Ev,Gv    lock
1A     r    sbb     Gb,Eb
1B     r    sbb     Gv,Ev
1C     -    sbb     AL,Ib
1D     -    sbb     rAX,Iz
20     r    and     Eb,Gb    lock
21     r    and     Ev,Gv    lock
22     r    and     Gb,Eb
23     r    and     Gv,Ev
24     -    and     AL,Ib
25     -    and     rAX,Iz
28     r    sub     Eb,Gb    lock
29     r    sub     Ev,Gv    lock
2A     r    sub     Gb,Eb
2B     r    sub     Gv,Ev
2C     -    sub     AL,Ib
2D     -    sub     rAX,Iz
30     r    xor     Eb,Gb    lock
31     r    xor     Ev,Gv    lock
32     r    xor     Gb,Eb
33     r    xor     Gv,Ev
34     -    xor     AL,Ib
35     -    xor     rAX,Iz
38     r    cmp     Eb,Gb
39     r    cmp     Ev,Gv
3A     r    cmp     Gb,Eb
3B     r    cmp     Gv,Ev
3C     -    cmp     AL,Ib
3D     -    cmp     rAX,Iz
50+r   -    push    Zv       d64
58+r   -    pop     Zv       d64
63     r    movsxd  Gv,Ez
68     -    push    Iz       d64
69     r    imul    Gv,Ev,Iz
6A     -    push    Ib       d64
6B     r    imul    Gv,Ev,Ib
6C     -    insb    -        rep
6D     -    ins     -        rep
6E     -    outsb   -        rep
6F     -    outs    -        rep
70     -    jo      Jb       f64
71     -    jno     Jb       f64
72     -    jb      Jb       f64
73     -    jae     Jb       f64
74     -    je      Jb       f64
75     -    jne     Jb       f64
76     -    jbe     Jb       f64
77     -    ja      Jb       f64
78     -    js      Jb       f64
79     -    jns     Jb       f64
7A     -    jp      Jb       f64
7B     -    jnp     Jb       f64
7C     -    jl      Jb       f64
7D     -    jge     Jb       f64
7E     -    jle     Jb       f64
7F     -    jg      Jb       f64
80     /0   add     Eb,Ib    lock
80     /1   or      Eb,Ib    lock
80     /2   adc     Eb,Ib    lock
80     /3   sbb     Eb,Ib    lock
80     /4   and     Eb,Ib    lock
80     /5   sub     Eb,Ib    lock
80     /6   xor     Eb,Ib    lock
80     /7   cmp     Eb,Ib
81     /0   add     Ev,Iz    lock
81     /1   or      Ev,Iz    lock
81     /2   adc     Ev,Iz    lock
81     /3   sbb     Ev,Iz    lock
81     /4   and     Ev,Iz    lock
81     /5   sub     Ev,Iz    lock
81     /6   xor     Ev,Iz    lock
81     /7   cmp     Ev,Iz
83     /0   add     Ev,Ib    lock
83     /1   or      Ev,Ib    lock
83     /2   adc     Ev,Ib    lock
83     /3   sbb     Ev,Ib    lock
83     /4   and     Ev,Ib    lock
83     /5   sub     Ev,Ib    lock
83     /6   xor     Ev,Ib    lock
83     /7   cmp     Ev,Ib
84     r    test    Eb,Gb
85     r    test    Ev,Gv
86     r    xchg    Eb,Gb    lock
87     r    xchg    Ev,Gv    lock
88     r    mov     Eb,Gb
89     r    mov     Ev,Gv
8A     r    mov     Gb,Eb
8B     r    mov     Gv,Ev
8C     /0   mov     Ev,Sw
8C     /1   mov     Ev,Sw
8C     /2   mov     Ev,Sw
8C     /3   mov     Ev,Sw
8C     /4   mov     Ev,Sw
8C     /5   mov     Ev,Sw
8D     m    lea     Gv,M
8E     /0   mov     Sw,Ew
8E     /2   mov     Sw,Ew
8E     /3   mov     Sw,Ew
8E     /4   mov     Sw,Ew
8E     /5   mov     Sw,Ew
8F     /0   pop     Ev       d64
90     -    nop     -
F3 90  -    pause   -
90+r   -    xchg    Zv,rAX
98     -    cbw     -
99     -    cwd     -
9B     -    fwait   -
9C     -    pushf   -        d64
9D     -    popf    -        d64
9E     -    sahf    -
9F     -    lahf    -
A0     -    mov     AL,Ob
A1     -    mov     rAX,Ov
A2     -    mov     Ob,AL
A3     -    mov     Ov,rAX
A4     -    movsb   -        rep
A5     -    movs    -        rep
A6     -    cmpsb   -        rep
A7     -    cmps    -        rep
A8     -    test    AL,Ib
A9     -    test    rAX,Iz
AA     -    stosb   -        rep
AB     -    stos    -        rep
AC     -    lodsb   -        rep
AD     -    lods    -        rep
AE     -    scasb   -        rep
AF     -    scas    -        rep
B0+r   -    mov     Zb,Ib
B8+r   -    mov     Zv,Iv
C0     /0   rol     Eb,Ib
C0     /1   ror     Eb,Ib
C0     /2   rcl     Eb,Ib
C0     /3   rcr     Eb,Ib
C0     /4   shl     Eb,Ib
C0     /5   shr     Eb,Ib
C0     /6   sal     Eb,Ib
C0     /7   sar     Eb,Ib
C1     /0   rol     Ev,Ib
C1     /1   ror     Ev,Ib
C1     /2   rcl     Ev,Ib
C1     /3   rcr     Ev,Ib
C1     /4   shl     Ev,Ib
C1     /5   shr     Ev,Ib
C1     /6   sal     Ev,Ib
C1     /7   sar     Ev,Ib
C2     -    ret     Iw       f64
C3     -    ret     -        f64
C6     /0   mov     Eb,Ib
C6     x/7.0 xabort Ib
C7     /0   mov     Ev,Iz
C7     x/7.0 xbegin Jz
C8     -    enter   Iw,Ib    d64
C9     -    leave   -        d64
CA     -    retf    Iw
CB     -    retf    -
CC     -    int3    -
CD     -    int     Ib
CE     -    into    -
CF     -    iret    -
D0     /0   rol     Eb,1
D0     /1   ror     Eb,1
D0     /2   rcl     Eb,1
D0     /3   rcr     Eb,1
D0     /4   shl     Eb,1
D0     /5   shr     Eb,1
D0     /6   sal     Eb,1
D0     /7   sar     Eb,1
D1     /0   rol     Ev,1
D1     /1   ror     Ev,1
D1     /2   rcl     Ev,1
D1     /3   rcr     Ev,1
D1     /4   shl     Ev,1
D1     /5   shr     Ev,1
D1     /6   sal     Ev,1
D1     /7   sar     Ev,1
D2     /0   rol     Eb,CL
D2     /1   ror     Eb,CL
D2     /2   rcl     Eb,CL
D2     /3   rcr     Eb,CL
D2     /4   shl     Eb,CL
D2     /5   shr     Eb,CL
D2     /6   sal     Eb,CL
D2     /7   sar     Eb,CL
D3     /0   rol     Ev,CL
D3     /1   ror     Ev,CL
D3     /2   rcl     Ev,CL
D3     /3   rcr     Ev,CL
D3     /4   shl     Ev,CL
D3     /5   shr     Ev,CL
D3     /6   sal     Ev,CL
D3     /7   sar     Ev,CL
D7     -    xlat    -
D8     r    x87     -
D9     m/0  x87     -
D9     m/2  x87     -
D9     m/3  x87     -
D9     m/4  x87     -
D9     m/5  x87     -
D9     m/6  x87     -
D9     m/7  x87     -
D9     x/0  x87     -
D9     x/1  x87     -
D9     x/2.0 x87    -
D9     x/4.0 x87    -
D9     x/4.1 x87    -
D9     x/4.4 x87    -
D9     x/4.5 x87    -
D9     x/5.0 x87    -
D9     x/5.1 x87    -
D9     x/5.2 x87    -
D9     x/5.3 x87    -
D9     x/5.4 x87    -
D9     x/5.5 x87    -
D9     x/5.6 x87    -
D9     x/6  x87     -
D9     x/7  x87     -
DA     m    x87     -
DA     x/0  x87     -
DA     x/1  x87     -
DA     x/2  x87     -
DA     x/3  x87     -
DA     x/5.1 x87    -
DB     m/0  x87     -
DB     m/1  x87     -
DB     m/2  x87     -
DB     m/3  x87     -
DB     m/5  x87     -
DB     m/7  x87     -
DB     x/0  x87     -
DB     x/1  x87     -
DB     x/2  x87     -
DB     x/3  x87     -
DB     x/4.2 x87    -
DB     x/4.3 x87    -
DB     x/5  x87     -
DB     x/6  x87     -
DC     m    x87     -
DC     x/0  x87     -
DC     x/1  x87     -
DC     x/4  x87     -
DC     x/5  x87     -
DC     x/6  x87     -
DC     x/7  x87     -
DD     m/0  x87     -
DD     m/1  x87     -
DD     m/2  x87     -
DD     m/3  x87     -
DD     m/4  x87     -
DD     m/6  x87     -
DD     m/7  x87     -
DD     x/0  x87     -
DD     x/2  x87     -
DD     x/3  x87     -
DD     x/4  x87     -
DD     x/5  x87     -
DE     m    x87     -
DE     x/0  x87     -
DE     x/1  x87     -
DE     x/3.1 x87    -
DE     x/4  x87     -
DE     x/5  x87     -
DE     x/6  x87     -
DE     x/7  x87     -
DF     m    x87     -
DF     x/0  x87     -
DF     x/4.0 x87    -
DF     x/5  x87     -
DF     x/6  x87     -
E0     -    loopne  Jb       f64
E1     -    loope   Jb       f64
E2     -    loop    Jb       f64
E3     -    jrcxz   Jb       f64
E4     -    in      AL,Ib
E5     -    in      eAX,Ib
E6     -    out     Ib,AL
E7     -    out     Ib,eAX
E8     -    call    Jz       f64
E9     -    jmp     Jz       f64
EB     -    jmp     Jb       f64
EC     -    in      AL,DX
ED     -    in      eAX,DX
EE     -    out     DX,AL
EF     -    out     DX,eAX
F1     -    int1    -
F4     -    hlt     -
F5     -    cmc     -
F6     /0   test    Eb,Ib
F6     /1   test    Eb,Ib
F6     /2   not     Eb       lock
F6     /3   neg     Eb       lock
F6     /4   mul     Eb
F6     /5   imul    Eb
F6     /6   div     Eb
F6     /7   idiv    Eb
F7     /0   test    Ev,Iz
F7     /1   test    Ev,Iz
F7     /2   not     Ev       lock
F7     /3   neg     Ev       lock
F7     /4   mul     Ev
F7     /5   imul    Ev
F7     /6   div     Ev
F7     /7   idiv    Ev
F8     -    clc     -
F9     -    stc     -
FA     -    cli     -
FB     -    sti     -
FC     -    cld     -
FD     -    std     -
FE     /0   inc     Eb       lock
FE     /1   dec     Eb       lock
FF     /0   inc     Ev       lock
FF     /1   dec     Ev       lock
FF     /2   call    Ev       f64
FF     m/3  callf   Mp
FF     /4   jmp     Ev       f64
FF     m/5  jmpf    Mp
FF     /6   push    Ev       d64

0F 00  /0   sldt    Ew
0F 00  /1   str     Ew
0F 00  /2   lldt    Ew
0F 00  /3   ltr     Ew
0F 00  /4   verr    Ew
0F 00  /5   verw    Ew
0F 01  m/0  sgdt    M
0F 01  m/1  sidt    M
0F 01  m/2  lgdt    M
0F 01  m/3  lidt    M
0F 01  /4   smsw    Ew
0F 01  /6   lmsw    Ew
0F 01  m/7  invlpg  Mb
0F 01  x/0.1 vmcall -
0F 01  x/1.0 monitor -
0F 01  x/1.1 mwait  -
0F 01  x/1.2 clac   -
0F 01  x/1.3 stac   -
0F 01  x/2.0 xgetbv -
0F 01  x/2.1 xsetbv -
0F 01  x/2.5 xend  -
0F 01  x/2.6 xtest -
0F 01  x/7.0 swapgs -
0F 01  x/7.1 rdtscp -
0F 02  r    lar     Gv,Ew
0F 03  r    lsl     Gv,Ew
0F 05  -    syscall -
0F 06  -    clts    -
0F 07  -    sysret  -
0F 08  -    invd    -
0F 09  -    wbinvd  -
0F 0B  -    ud2     -
0F 0D  m    prefetchw Mb
0F 18  r    nophint Ev
0F 19  r    nop     Ev
0F 1A  r    nop     Ev
0F 1B  r    nop     Ev
0F 1C  r    nop     Ev
0F 1D  r    nop     Ev
0F 1E  r    nop     Ev
F3 0F 1E x/7.2 endbr64 -
F3 0F 1E x/7.3 endbr32 -
0F 1F  r    nop     Ev
0F 20  r    mov     Rq,Cq    modreg
0F 21  r    mov     Rq,Dq    modreg
0F 22  r    mov     Cq,Rq    modreg
0F 23  r    mov     Dq,Rq    modreg
0F 30  -    wrmsr   -
0F 31  -    rdtsc   -
0F 32  -    rdmsr   -
0F 33  -    rdpmc   -
0F 34  -    sysenter -
0F 35  -    sysexit -
0F 37  -    getsec  -
0F 40  r    cmovo   Gv,Ev
0F 41  r    cmovno  Gv,Ev
0F 42  r    cmovb   Gv,Ev
0F 43  r    cmovae  Gv,Ev
0F 44  r    cmove   Gv,Ev
0F 45  r    cmovne  Gv,Ev
0F 46  r    cmovbe  Gv,Ev
0F 47  r    cmova   Gv,Ev
0F 48  r    cmovs   Gv,Ev
0F 49  r    cmovns  Gv,Ev
0F 4A  r    cmovp   Gv,Ev
0F 4B  r    cmovnp  Gv,Ev
0F 4C  r    cmovl   Gv,Ev
0F 4D  r    cmovge  Gv,Ev
0F 4E  r    cmovle  Gv,Ev
0F 4F  r    cmovg   Gv,Ev
0F 80  -    jo      Jz       f64
0F 81  -    jno     Jz       f64
0F 82  -    jb      Jz       f64
0F 83  -    jae     Jz       f64
0F 84  -    je      Jz       f64
0F 85  -    jne     Jz       f64
0F 86  -    jbe     Jz       f64
0F 87  -    ja      Jz       f64
0F 88  -    js      Jz       f64
0F 89  -    jns     Jz       f64
0F 8A  -    jp      Jz       f64
0F 8B  -    jnp     Jz       f64
0F 8C  -    jl      Jz       f64
0F 8D  -    jge     Jz       f64
0F 8E  -    jle     Jz       f64
0F 8F  -    jg      Jz       f64
0F 90  r    seto    Eb
0F 91  r    setno   Eb
0F 92  r    setb    Eb
0F 93  r    setae   Eb
0F 94  r    sete    Eb
0F 95  r    setne   Eb
0F 96  r    setbe   Eb
0F 97  r    seta    Eb
0F 98  r    sets    Eb
0F 99  r    setns   Eb
0F 9A  r    setp    Eb
0F 9B  r    setnp   Eb
0F 9C  r    setl    Eb
0F 9D  r    setge   Eb
0F 9E  r    setle   Eb
0F 9F  r    setg    Eb
0F A0  -    push    FS       d64
0F A1  -    pop     FS       d64
0F A2  -    cpuid   -
0F A3  r    bt      Ev,Gv
0F A4  r    shld    Ev,Gv,Ib
0F A5  r    shld    Ev,Gv,CL
0F A8  -    push    GS       d64
0F A9  -    pop     GS       d64
0F AA  -    rsm     -
0F AB  r    bts     Ev,Gv    lock
0F AC  r    shrd    Ev,Gv,Ib
0F AD  r    shrd    Ev,Gv,CL
0F AE  m/0  fxsave  M        sse a16
0F AE  m/1  fxrstor M        sse a16
0F AE  m/2  ldmxcsr Md       sse
0F AE  m/3  stmxcsr Md       sse
0F AE  m/4  xsave   M        sse
0F AE  m/5  xrstor  M        sse
0F AE  m/6  xsaveopt M       sse
0F AE  m/7  clflush Mb       sse
66 0F AE m/6 clwb   Mb       sse
66 0F AE m/7 clflushopt Mb   sse
F3 0F AE /4 ptwrite Ey       sse
0F AE  x/5  lfence  -        sse
0F AE  x/6  mfence  -        sse
0F AE  x/7  sfence  -        sse
F3 0F AE x/0 rdfsbase Ry
F3 0F AE x/1 rdgsbase Ry
F3 0F AE x/2 wrfsbase Ry
F3 0F AE x/3 wrgsbase Ry
0F AF  r    imul    Gv,Ev
0F B0  r    cmpxchg Eb,Gb    lock
0F B1  r    cmpxchg Ev,Gv    lock
0F B2  m    lss     Gv,Mp
0F B3  r    btr     Ev,Gv    lock
0F B4  m    lfs     Gv,Mp
0F B5  m    lgs     Gv,Mp
0F B6  r    movzx   Gv,Eb
0F B7  r    movzx   Gv,Ew
F3 0F B8 r  popcnt  Gv,Ev
0F B9  r    ud1     Gv,Ev
0F BA  /4   bt      Ev,Ib
0F BA  /5   bts     Ev,Ib    lock
0F BA  /6   btr     Ev,Ib    lock
0F BA  /7   btc     Ev,Ib    lock
0F BB  r    btc     Ev,Gv    lock
0F BC  r    bsf     Gv,Ev
F3 0F BC r  tzcnt   Gv,Ev
0F BD  r    bsr     Gv,Ev
F3 0F BD r  lzcnt   Gv,Ev
0F BE  r    movsx   Gv,Eb
0F BF  r    movsx   Gv,Ew
0F C0  r    xadd    Eb,Gb    lock
0F C1  r    xadd    Ev,Gv    lock
0F C3  m    movnti  My,Gy    sse
0F C7  m/1  cmpxchg8b Mq     lock
0F C7  m/3  xrstors M
0F C7  m/4  xsavec  M
0F C7  m/5  xsaves  M
0F C7  x/6  rdrand  Rv
0F C7  x/7  rdseed  Rv
F3 0F C7 x/7 rdpid  Rq
0F C8+r -   bswap   Zy
0F FF  r    ud0     Gd,Ed

0F 10  r    movups  Vx,Wx    sse
66 0F 10 r  movupd  Vx,Wx    sse
F3 0F 10 r  movss   Vx,Wd    sse
F2 0F 10 r  movsd   Vx,Wq    sse
0F 11  r    movups  Wx,Vx    sse
66 0F 11 r  movupd  Wx,Vx    sse
F3 0F 11 r  movss   Wd,Vx    sse
F2 0F 11 r  movsd   Wq,Vx    sse
0F 12  m    movlps  Vx,Mq    sse
0F 12  x    movhlps Vx,Ux    sse
66 0F 12 m  movlpd  Vx,Mq    sse
F3 0F 12 r  movsldup Vx,Wx   sse a16
F2 0F 12 r  movddup Vx,Wq    sse
0F 13  m    movlps  Mq,Vx    sse
66 0F 13 m  movlpd  Mq,Vx    sse
0F 14  r    unpcklps Vx,Wx   sse a16
66 0F 14 r  unpcklpd Vx,Wx   sse a16
0F 15  r    unpckhps Vx,Wx   sse a16
66 0F 15 r  unpckhpd Vx,Wx   sse a16
0F 16  m    movhps  Vx,Mq    sse
0F 16  x    movlhps Vx,Ux    sse
66 0F 16 m  movhpd  Vx,Mq    sse
F3 0F 16 r  movshdup Vx,Wx   sse a16
0F 17  m    movhps  Mq,Vx    sse
66 0F 17 m  movhpd  Mq,Vx    sse
0F 28  r    movaps  Vx,Wx    sse a16
66 0F 28 r  movapd  Vx,Wx    sse a16
0F 29  r    movaps  Wx,Vx    sse a16
66 0F 29 r  movapd  Wx,Vx    sse a16
0F 2A  r    cvtpi2ps Vx,Qq   sse
66 0F 2A r  cvtpi2pd Vx,Qq   sse
F3 0F 2A r  cvtsi2ss Vx,Ey   sse
F2 0F 2A r  cvtsi2sd Vx,Ey   sse
0F 2B  m    movntps Mx,Vx    sse a16
66 0F 2B m  movntpd Mx,Vx    sse a16
0F 2C  r    cvttps2pi Pq,Wq  sse
66 0F 2C r  cvttpd2pi Pq,Wx  sse a16
F3 0F 2C r  cvttss2si Gy,Wd  sse
F2 0F 2C r  cvttsd2si Gy,Wq  sse
0F 2D  r    cvtps2pi Pq,Wq   sse
66 0F 2D r  cvtpd2pi Pq,Wx   sse a16
F3 0F 2D r  cvtss2si Gy,Wd   sse
F2 0F 2D r  cvtsd2si Gy,Wq   sse
0F 2E  r    ucomiss Vx,Wd    sse
66 0F 2E r  ucomisd Vx,Wq    sse
0F 2F  r    comiss  Vx,Wd    sse
66 0F 2F r  comisd  Vx,Wq    sse
0F 50  x    movmskps Gd,Ux   sse
66 0F 50 x  movmskpd Gd,Ux   sse
0F 51  r    sqrtps  Vx,Wx    sse a16
66 0F 51 r  sqrtpd  Vx,Wx    sse a16
F3 0F 51 r  sqrtss  Vx,Wd    sse
F2 0F 51 r  sqrtsd  Vx,Wq    sse
0F 52  r    rsqrtps Vx,Wx    sse a16
F3 0F 52 r  rsqrtss Vx,Wd    sse
0F 53  r    rcpps   Vx,Wx    sse a16
F3 0F 53 r  rcpss   Vx,Wd    sse
0F 54  r    andps   Vx,Wx    sse a16
66 0F 54 r  andpd   Vx,Wx    sse a16
0F 55  r    andnps  Vx,Wx    sse a16
66 0F 55 r  andnpd  Vx,Wx    sse a16
0F 56  r    orps    Vx,Wx    sse a16
66 0F 56 r  orpd    Vx,Wx    sse a16
0F 57  r    xorps   Vx,Wx    sse a16
66 0F 57 r  xorpd   Vx,Wx    sse a16
0F 58  r    addps   Vx,Wx    sse a16
66 0F 58 r  addpd   Vx,Wx    sse a16
F3 0F 58 r  addss   Vx,Wd    sse
F2 0F 58 r  addsd   Vx,Wq    sse
0F 59  r    mulps   Vx,Wx    sse a16
66 0F 59 r  mulpd   Vx,Wx    sse a16
F3 0F 59 r  mulss   Vx,Wd    sse
F2 0F 59 r  mulsd   Vx,Wq    sse
0F 5A  r    cvtps2pd Vx,Wq   sse
66 0F 5A r  cvtpd2ps Vx,Wx   sse a16
F3 0F 5A r  cvtss2sd Vx,Wd   sse
F2 0F 5A r  cvtsd2ss Vx,Wq   sse
0F 5B  r    cvtdq2ps Vx,Wx   sse a16
66 0F 5B r  cvtps2dq Vx,Wx   sse a16
F3 0F 5B r  cvttps2dq Vx,Wx  sse a16
0F 5C  r    subps   Vx,Wx    sse a16
66 0F 5C r  subpd   Vx,Wx    sse a16
F3 0F 5C r  subss   Vx,Wd    sse
F2 0F 5C r  subsd   Vx,Wq    sse
0F 5D  r    minps   Vx,Wx    sse a16
66 0F 5D r  minpd   Vx,Wx    sse a16
F3 0F 5D r  minss   Vx,Wd    sse
F2 0F 5D r  minsd   Vx,Wq    sse
0F 5E  r    divps   Vx,Wx    sse a16
66 0F 5E r  divpd   Vx,Wx    sse a16
F3 0F 5E r  divss   Vx,Wd    sse
F2 0F 5E r  divsd   Vx,Wq    sse
0F 5F  r    maxps   Vx,Wx    sse a16
66 0F 5F r  maxpd   Vx,Wx    sse a16
F3 0F 5F r  maxss   Vx,Wd    sse
F2 0F 5F r  maxsd   Vx,Wq    sse
0F 60  r    punpcklbw Pq,Qd  sse
66 0F 60 r  punpcklbw Vx,Wx  sse a16
0F 61  r    punpcklwd Pq,Qd  sse
66 0F 61 r  punpcklwd Vx,Wx  sse a16
0F 62  r    punpckldq Pq,Qd  sse
66 0F 62 r  punpckldq Vx,Wx  sse a16
0F 63  r    packsswb Pq,Qq   sse
66 0F 63 r  packsswb Vx,Wx   sse a16
0F 64  r    pcmpgtb Pq,Qq    sse
66 0F 64 r  pcmpgtb Vx,Wx    sse a16
0F 65  r    pcmpgtw Pq,Qq    sse
66 0F 65 r  pcmpgtw Vx,Wx    sse a16
0F 66  r    pcmpgtd Pq,Qq    sse
66 0F 66 r  pcmpgtd Vx,Wx    sse a16
0F 67  r    packuswb Pq,Qq   sse
66 0F 67 r  packuswb Vx,Wx   sse a16
0F 68  r    punpckhbw Pq,Qq  sse
66 0F 68 r  punpckhbw Vx,Wx  sse a16
0F 69  r    punpckhwd Pq,Qq  sse
66 0F 69 r  punpckhwd Vx,Wx  sse a16
0F 6A  r    punpckhdq Pq,Qq  sse
66 0F 6A r  punpckhdq Vx,Wx  sse a16
0F 6B  r    packssdw Pq,Qq   sse
66 0F 6B r  packssdw Vx,Wx   sse a16
66 0F 6C r  punpcklqdq Vx,Wx sse a16
66 0F 6D r  punpckhqdq Vx,Wx sse a16
0F 6E  r    movd    Pq,Ey    sse
66 0F 6E r  movd    Vx,Ey    sse
0F 6F  r    movq    Pq,Qq    sse
66 0F 6F r  movdqa  Vx,Wx    sse a16
F3 0F 6F r  movdqu  Vx,Wx    sse
0F 70  r    pshufw  Pq,Qq,Ib sse
66 0F 70 r  pshufd  Vx,Wx,Ib sse a16
F3 0F 70 r  pshufhw Vx,Wx,Ib sse a16
F2 0F 70 r  pshuflw Vx,Wx,Ib sse a16
0F 71  x/2  psrlw   Nq,Ib    sse
0F 71  x/4  psraw   Nq,Ib    sse
0F 71  x/6  psllw   Nq,Ib    sse
66 0F 71 x/2 psrlw  Ux,Ib    sse
66 0F 71 x/4 psraw  Ux,Ib    sse
66 0F 71 x/6 psllw  Ux,Ib    sse
0F 72  x/2  psrld   Nq,Ib    sse
0F 72  x/4  psrad   Nq,Ib    sse
0F 72  x/6  pslld   Nq,Ib    sse
66 0F 72 x/2 psrld  Ux,Ib    sse
66 0F 72 x/4 psrad  Ux,Ib    sse
66 0F 72 x/6 pslld  Ux,Ib    sse
0F 73  x/2  psrlq   Nq,Ib    sse
0F 73  x/6  psllq   Nq,Ib    sse
66 0F 73 x/2 psrlq  Ux,Ib    sse
66 0F 73 x/3 psrldq Ux,Ib    sse
66 0F 73 x/6 psllq  Ux,Ib    sse
66 0F 73 x/7 pslldq Ux,Ib    sse
0F 74  r    pcmpeqb Pq,Qq    sse
66 0F 74 r  pcmpeqb Vx,Wx    sse a16
0F 75  r    pcmpeqw Pq,Qq    sse
66 0F 75 r  pcmpeqw Vx,Wx    sse a16
0F 76  r    pcmpeqd Pq,Qq    sse
66 0F 76 r  pcmpeqd Vx,Wx    sse a16
0F 77  -    emms    -        sse
66 0F 7C r  haddpd  Vx,Wx    sse a16
F2 0F 7C r  haddps  Vx,Wx    sse a16
66 0F 7D r  hsubpd  Vx,Wx    sse a16
F2 0F 7D r  hsubps  Vx,Wx    sse a16
0F 7E  r    movd    Ey,Pq    sse
66 0F 7E r  movd    Ey,Vx    sse
F3 0F 7E r  movq    Vx,Wq    sse
0F 7F  r    movq    Qq,Pq    sse
66 0F 7F r  movdqa  Wx,Vx    sse a16
F3 0F 7F r  movdqu  Wx,Vx    sse
0F C2  r    cmpps   Vx,Wx,Ib sse a16
66 0F C2 r  cmppd   Vx,Wx,Ib sse a16
F3 0F C2 r  cmpss   Vx,Wd,Ib sse
F2 0F C2 r  cmpsd   Vx,Wq,Ib sse
0F C4  r    pinsrw  Pq,Ew,Ib sse
66 0F C4 r  pinsrw  Vx,Ew,Ib sse
0F C5  x    pextrw  Gd,Nq,Ib sse
66 0F C5 x  pextrw  Gd,Ux,Ib sse
0F C6  r    shufps  Vx,Wx,Ib sse a16
66 0F C6 r  shufpd  Vx,Wx,Ib sse a16
66 0F D0 r  addsubpd Vx,Wx   sse a16
F2 0F D0 r  addsubps Vx,Wx   sse a16
0F D1  r    psrlw   Pq,Qq    sse
66 0F D1 r  psrlw   Vx,Wx    sse a16
0F D2  r    psrld   Pq,Qq    sse
66 0F D2 r  psrld   Vx,Wx    sse a16
0F D3  r    psrlq   Pq,Qq    sse
66 0F D3 r  psrlq   Vx,Wx    sse a16
0F D4  r    paddq   Pq,Qq    sse
66 0F D4 r  paddq   Vx,Wx    sse a16
0F D5  r    pmullw  Pq,Qq    sse
66 0F D5 r  pmullw  Vx,Wx    sse a16
66 0F D6 r  movq    Wq,Vx    sse
F3 0F D6 x  movq2dq Vx,Nq    sse
F2 0F D6 x  movdq2q Pq,Ux    sse
0F D7  x    pmovmskb Gd,Nq   sse
66 0F D7 x  pmovmskb Gd,Ux   sse
0F D8  r    psubusb Pq,Qq    sse
66 0F D8 r  psubusb Vx,Wx    sse a16
0F D9  r    psubusw Pq,Qq    sse
66 0F D9 r  psubusw Vx,Wx    sse a16
0F DA  r    pminub  Pq,Qq    sse
66 0F DA r  pminub  Vx,Wx    sse a16
0F DB  r    pand    Pq,Qq    sse
66 0F DB r  pand    Vx,Wx    sse a16
0F DC  r    paddusb Pq,Qq    sse
66 0F DC r  paddusb Vx,Wx    sse a16
0F DD  r    paddusw Pq,Qq    sse
66 0F DD r  paddusw Vx,Wx    sse a16
0F DE  r    pmaxub  Pq,Qq    sse
66 0F DE r  pmaxub  Vx,Wx    sse a16
0F DF  r    pandn   Pq,Qq    sse
66 0F DF r  pandn   Vx,Wx    sse a16
0F E0  r    pavgb   Pq,Qq    sse
66 0F E0 r  pavgb   Vx,Wx    sse a16
0F E1  r    psraw   Pq,Qq    sse
66 0F E1 r  psraw   Vx,Wx    sse a16
0F E2  r    psrad   Pq,Qq    sse
66 0F E2 r  psrad   Vx,Wx    sse a16
0F E3  r    pavgw   Pq,Qq    sse
66 0F E3 r  pavgw   Vx,Wx    sse a16
0F E4  r    pmulhuw Pq,Qq    sse
66 0F E4 r  pmulhuw Vx,Wx    sse a16
0F E5  r    pmulhw  Pq,Qq    sse
66 0F E5 r  pmulhw  Vx,Wx    sse a16
66 0F E6 r  cvttpd2dq Vx,Wx  sse a16
F3 0F E6 r  cvtdq2pd Vx,Wq   sse
F2 0F E6 r  cvtpd2dq Vx,Wx   sse a16
0F E7  m    movntq  Mq,Pq    sse
66 0F E7 m  movntdq Mx,Vx    sse a16
0F E8  r    psubsb  Pq,Qq    sse
66 0F E8 r  psubsb  Vx,Wx    sse a16
0F E9  r    psubsw  Pq,Qq    sse
66 0F E9 r  psubsw  Vx,Wx    sse a16
0F EA  r    pminsw  Pq,Qq    sse
66 0F EA r  pminsw  Vx,Wx    sse a16
0F EB  r    por     Pq,Qq    sse
66 0F EB r  por     Vx,Wx    sse a16
0F EC  r    paddsb  Pq,Qq    sse
66 0F EC r  paddsb  Vx,Wx    sse a16
0F ED  r    paddsw  Pq,Qq    sse
66 0F ED r  paddsw  Vx,Wx    sse a16
0F EE  r    pmaxsw  Pq,Qq    sse
66 0F EE r  pmaxsw  Vx,Wx    sse a16
0F EF  r    pxor    Pq,Qq    sse
66 0F EF r  pxor    Vx,Wx    sse a16
F2 0F F0 m  lddqu   Vx,Mx    sse
0F F1  r    psllw   Pq,Qq    sse
66 0F F1 r  psllw   Vx,Wx    sse a16
0F F2  r    pslld   Pq,Qq    sse
66 0F F2 r  pslld   Vx,Wx    sse a16
0F F3  r    psllq   Pq,Qq    sse
66 0F F3 r  psllq   Vx,Wx    sse a16
0F F4  r    pmuludq Pq,Qq    sse
66 0F F4 r  pmuludq Vx,Wx    sse a16
0F F5  r    pmaddwd Pq,Qq    sse
66 0F F5 r  pmaddwd Vx,Wx    sse a16
0F F6  r    psadbw  Pq,Qq    sse
66 0F F6 r  psadbw  Vx,Wx    sse a16
0F F7  x    maskmovq Pq,Nq   sse
66 0F F7 x  maskmovdqu Vx,Ux sse
0F F8  r    psubb   Pq,Qq    sse
66 0F F8 r  psubb   Vx,Wx    sse a16
0F F9  r    psubw   Pq,Qq    sse
66 0F F9 r  psubw   Vx,Wx    sse a16
0F FA  r    psubd   Pq,Qq    sse
66 0F FA r  psubd   Vx,Wx    sse a16
0F FB  r    psubq   Pq,Qq    sse
66 0F FB r  psubq   Vx,Wx    sse a16
0F FC  r    paddb   Pq,Qq    sse
66 0F FC r  paddb   Vx,Wx    sse a16
0F FD  r    paddw   Pq,Qq    sse
66 0F FD r  paddw   Vx,Wx    sse a16
0F FE  r    paddd   Pq,Qq    sse
66 0F FE r  paddd   Vx,Wx    sse a16

0F 38 00 r  pshufb  Pq,Qq    sse
66 0F 38 00 r pshufb Vx,Wx   sse a16
0F 38 01 r  phaddw  Pq,Qq    sse
66 0F 38 01 r phaddw Vx,Wx   sse a16
0F 38 02 r  phaddd  Pq,Qq    sse
66 0F 38 02 r phaddd Vx,Wx   sse a16
0F 38 03 r  phaddsw Pq,Qq    sse
66 0F 38 03 r phaddsw Vx,Wx  sse a16
0F 38 04 r  pmaddubsw Pq,Qq  sse
66 0F 38 04 r pmaddubsw Vx,Wx sse a16
0F 38 05 r  phsubw  Pq,Qq    sse
66 0F 38 05 r phsubw Vx,Wx   sse a16
0F 38 06 r  phsubd  Pq,Qq    sse
66 0F 38 06 r phsubd Vx,Wx   sse a16
0F 38 07 r  phsubsw Pq,Qq    sse
66 0F 38 07 r phsubsw Vx,Wx  sse a16
0F 38 08 r  psignb  Pq,Qq    sse
66 0F 38 08 r psignb Vx,Wx   sse a16
0F 38 09 r  psignw  Pq,Qq    sse
66 0F 38 09 r psignw Vx,Wx   sse a16
0F 38 0A r  psignd  Pq,Qq    sse
66 0F 38 0A r psignd Vx,Wx   sse a16
0F 38 0B r  pmulhrsw Pq,Qq   sse
66 0F 38 0B r pmulhrsw Vx,Wx sse a16
66 0F 38 10 r pblendvb Vx,Wx sse a16
66 0F 38 14 r blendvps Vx,Wx sse a16
66 0F 38 15 r blendvpd Vx,Wx sse a16
66 0F 38 17 r ptest  Vx,Wx   sse a16
0F 38 1C r  pabsb   Pq,Qq    sse
66 0F 38 1C r pabsb Vx,Wx    sse a16
0F 38 1D r  pabsw   Pq,Qq    sse
66 0F 38 1D r pabsw Vx,Wx    sse a16
0F 38 1E r  pabsd   Pq,Qq    sse
66 0F 38 1E r pabsd Vx,Wx    sse a16
66 0F 38 20 r pmovsxbw Vx,Wq sse
66 0F 38 21 r pmovsxbd Vx,Wd sse
66 0F 38 22 r pmovsxbq Vx,Ww sse
66 0F 38 23 r pmovsxwd Vx,Wq sse
66 0F 38 24 r pmovsxwq Vx,Wd sse
66 0F 38 25 r pmovsxdq Vx,Wq sse
66 0F 38 28 r pmuldq Vx,Wx   sse a16
66 0F 38 29 r pcmpeqq Vx,Wx  sse a16
66 0F 38 2A m movntdqa Vx,Mx sse a16
66 0F 38 2B r packusdw Vx,Wx sse a16
66 0F 38 30 r pmovzxbw Vx,Wq sse
66 0F 38 31 r pmovzxbd Vx,Wd sse
66 0F 38 32 r pmovzxbq Vx,Ww sse
66 0F 38 33 r pmovzxwd Vx,Wq sse
66 0F 38 34 r pmovzxwq Vx,Wd sse
66 0F 38 35 r pmovzxdq Vx,Wq sse
66 0F 38 37 r pcmpgtq Vx,Wx  sse a16
66 0F 38 38 r pminsb Vx,Wx   sse a16
66 0F 38 39 r pminsd Vx,Wx   sse a16
66 0F 38 3A r pminuw Vx,Wx   sse a16
66 0F 38 3B r pminud Vx,Wx   sse a16
66 0F 38 3C r pmaxsb Vx,Wx   sse a16
66 0F 38 3D r pmaxsd Vx,Wx   sse a16
66 0F 38 3E r pmaxuw Vx,Wx   sse a16
66 0F 38 3F r pmaxud Vx,Wx   sse a16
66 0F 38 40 r pmulld Vx,Wx   sse a16
66 0F 38 41 r phminposuw Vx,Wx sse a16
66 0F 38 82 m invpcid Gq,Mx  sse
0F 38 C8 r  sha1nexte Vx,Wx  sse a16
0F 38 C9 r  sha1msg1 Vx,Wx   sse a16
0F 38 CA r  sha1msg2 Vx,Wx   sse a16
0F 38 CB r  sha256rnds2 Vx,Wx sse a16
0F 38 CC r  sha256msg1 Vx,Wx sse a16
0F 38 CD r  sha256msg2 Vx,Wx sse a16
66 0F 38 DB r aesimc Vx,Wx   sse a16
66 0F 38 DC r aesenc Vx,Wx   sse a16
66 0F 38 DD r aesenclast Vx,Wx sse a16
66 0F 38 DE r aesdec Vx,Wx   sse a16
66 0F 38 DF r aesdeclast Vx,Wx sse a16
0F 38 F0 m  movbe   Gv,Mv    norep
F2 0F 38 F0 r crc32 Gy,Eb
0F 38 F1 m  movbe   Mv,Gv    norep
F2 0F 38 F1 r crc32 Gy,Ev
66 0F 38 F6 r adcx  Gy,Ey    sse
F3 0F 38 F6 r adox  Gy,Ey    sse

66 0F 3A 08 r roundps Vx,Wx,Ib sse a16
66 0F 3A 09 r roundpd Vx,Wx,Ib sse a16
66 0F 3A 0A r roundss Vx,Wd,Ib sse
66 0F 3A 0B r roundsd Vx,Wq,Ib sse
66 0F 3A 0C r blendps Vx,Wx,Ib sse a16
66 0F 3A 0D r blendpd Vx,Wx,Ib sse a16
66 0F 3A 0E r pblendw Vx,Wx,Ib sse a16
0F 3A 0F r  palignr Pq,Qq,Ib sse
66 0F 3A 0F r palignr Vx,Wx,Ib sse a16
66 0F 3A 14 r pextrb Rd/Mb,Vx,Ib sse
66 0F 3A 15 r pextrw Rd/Mw,Vx,Ib sse
66 0F 3A 16 r pextrd Ey,Vx,Ib sse
66 0F 3A 17 r extractps Rd/Md,Vx,Ib sse
66 0F 3A 20 r pinsrb Vx,Rd/Mb,Ib sse
66 0F 3A 21 r insertps Vx,Wd,Ib sse
66 0F 3A 22 r pinsrd Vx,Ey,Ib sse
66 0F 3A 40 r dpps  Vx,Wx,Ib  sse a16
66 0F 3A 41 r dppd  Vx,Wx,Ib  sse a16
66 0F 3A 42 r mpsadbw Vx,Wx,Ib sse a16
66 0F 3A 44 r pclmulqdq Vx,Wx,Ib sse a16
66 0F 3A 60 r pcmpestrm Vx,Wx,Ib sse
66 0F 3A 61 r pcmpestri Vx,Wx,Ib sse
66 0F 3A 62 r pcmpistrm Vx,Wx,Ib sse
66 0F 3A 63 r pcmpistri Vx,Wx,Ib sse
66 0F 3A DF r aeskeygenassist Vx,Wx,Ib sse a16
0F 3A CC r  sha1rnds4 Vx,Wx,Ib sse a16
`

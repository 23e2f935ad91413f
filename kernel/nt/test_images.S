/*
 * The PE loader's test images (built by nt/testdata/testdata.mk with
 * mingw), embedded read-only for the nt_* self-tests: each NAME_start and
 * NAME_end bounds one file.
 */
	.macro IMAGE sym, file
	.globl \sym\()_start, \sym\()_end
	.balign 16
\sym\()_start:
	.incbin "\file"
\sym\()_end:
	.endm

	.section .rodata
	IMAGE nt_test_ntdll, "ntdll.dll"
	IMAGE nt_test_tdep, "tdep.dll"
	IMAGE nt_test_texe, "texe.exe"
	IMAGE nt_test_tfault, "tfault.exe"
	IMAGE nt_test_tmissing, "tmissing.exe"
	IMAGE nt_test_tnoexp, "tnoexp.exe"
	IMAGE nt_test_tav, "tav.exe"
	IMAGE nt_test_tstack, "tstack.exe"
	IMAGE nt_test_tspin, "tspin.exe"

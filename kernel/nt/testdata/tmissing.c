/* Imports from a DLL that does not exist. */
int Foo(void);
int ExeMain(void) { return Foo(); }

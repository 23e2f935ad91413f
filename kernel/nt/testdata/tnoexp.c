/* Imports a name tdep.dll does not export. */
int Missing(void);
int ExeMain(void) { return Missing(); }

ver
echo hello world
set FOO=bar baz
echo [%FOO%]
mkdir tdir
cd tdir
echo hi > a.txt
type a.txt
dir
del a.txt
cd ..
args.exe one "two three" four
files.exe
modules.exe
exitcode.exe 42
echo level=%ERRORLEVEL%
fault.exe
echo line one> lines.txt
echo line two>> lines.txt
for /f "tokens=2" %a in (lines.txt) do @echo tok %a
copy /b lines.txt+lines.txt both.txt
type both.txt
exit 0

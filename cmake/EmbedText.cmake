# cmake -DIN=file -DOUT=file.c -DNAME=symbol -P EmbedText.cmake
# Writes `const char NAME[]` holding the file's bytes and a terminating NUL.
file(READ "${IN}" hex HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
file(WRITE "${OUT}" "/* generated from ${IN} */\nconst char ${NAME}[] = {${bytes}0x00};\n")

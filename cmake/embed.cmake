# Turn file IN into a C source OUT defining `const char brook_default_config[]`.
file(READ ${IN} content HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${content}")
file(WRITE ${OUT} "/* generated from ${IN} */\nconst char brook_default_config[] = {${bytes} 0x00};\n")

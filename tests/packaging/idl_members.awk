# Reads a Varlink IDL; prints one line per member:
#   method NAME                  error NAME
#   param METHOD FIELD           reply METHOD FIELD
# Comments are dropped; a method's signature may span lines and hold
# nested parentheses (inline enums, ...).
{ sub(/#.*/, ""); text = text " " $0 }
END {
	n = length(text)
	i = 1
	while (i <= n) {
		rest = substr(text, i)
		if (match(rest, /^(method|error)[ \t]+[A-Za-z0-9_]+/)) {
			split(substr(rest, 1, RLENGTH), w, /[ \t]+/)
			kind = w[1]; name = w[2]
			print kind, name
			i += RLENGTH
			if (kind == "method") {
				i = fields(i, "param", name)
				# "->" then the reply
				while (i <= n && substr(text, i, 2) != "->") i++
				i = fields(i, "reply", name)
			}
			continue
		}
		i++
	}
}
# Prints the field names at depth 1 of the next (...) from position p;
# returns the position after it.
function fields(p, tag, m,    depth, c, tok, expect) {
	while (p <= n && substr(text, p, 1) != "(") p++
	depth = 0; tok = ""; expect = 1
	for (; p <= n; p++) {
		c = substr(text, p, 1)
		if (c == "(") { depth++; if (depth == 1) { tok = ""; expect = 1; continue } }
		if (c == ")") { depth--; if (depth == 0) return p + 1 }
		if (depth != 1) continue
		if (c == ",") { tok = ""; expect = 1; continue }
		if (c == ":" && expect) {
			gsub(/[ \t]/, "", tok)
			if (tok != "") print tag, m, tok
			expect = 0
			continue
		}
		if (expect) tok = tok c
	}
	return p
}

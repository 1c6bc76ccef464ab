// Command promcheck reads a Prometheus text exposition on stdin, parses it
// with the Prometheus project's own parser (github.com/prometheus/common/
// expfmt, from Debian's golang-github-prometheus-common-dev) and checks what
// the parser lets pass: every family has HELP and a TYPE, counters end in
// _total, no series appears twice. On success it prints each sample as
// name{label="value",...} value, labels sorted by name, one per line, for
// the tests to read; on failure it says why and exits 1.
//
// It builds in GOPATH mode against the Debian packages:
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o promcheck .
package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/prometheus/common/expfmt"
)

func main() {
	in, err := io.ReadAll(os.Stdin)
	if err != nil {
		fail("read: %v", err)
	}
	if len(in) == 0 {
		fail("empty input")
	}
	var p expfmt.TextParser
	fams, err := p.TextToMetricFamilies(bytes.NewReader(in))
	if err != nil {
		fail("%v", err)
	}
	declared := declaredTypes(in)
	var names []string
	for name := range fams {
		names = append(names, name)
	}
	sort.Strings(names)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for _, name := range names {
		f := fams[name]
		if f.GetHelp() == "" {
			fail("%s: no HELP", name)
		}
		typ, ok := declared[name]
		if !ok {
			fail("%s: no TYPE", name)
		}
		if typ == "counter" && !strings.HasSuffix(name, "_total") {
			fail("%s: a counter without the _total suffix", name)
		}
		seen := map[string]bool{}
		for _, m := range f.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, fmt.Sprintf("%s=%s", l.GetName(), strconv.Quote(l.GetValue())))
			}
			sort.Strings(labels)
			series := name
			if len(labels) > 0 {
				series += "{" + strings.Join(labels, ",") + "}"
			}
			if seen[series] {
				fail("%s: twice", series)
			}
			seen[series] = true
			var v float64
			switch {
			case m.GetCounter() != nil:
				v = m.GetCounter().GetValue()
			case m.GetGauge() != nil:
				v = m.GetGauge().GetValue()
			default:
				fail("%s: neither a counter nor a gauge", series)
			}
			fmt.Fprintf(out, "%s %s\n", series, strconv.FormatFloat(v, 'f', -1, 64))
		}
	}
}

// declaredTypes: the TYPE line of each family (the parser turns a missing
// one into "untyped" silently).
func declaredTypes(in []byte) map[string]string {
	types := map[string]string{}
	for _, line := range strings.Split(string(in), "\n") {
		f := strings.Fields(line)
		if len(f) == 4 && f[0] == "#" && f[1] == "TYPE" {
			types[f[2]] = f[3]
		}
	}
	return types
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "promcheck: "+format+"\n", args...)
	os.Exit(1)
}

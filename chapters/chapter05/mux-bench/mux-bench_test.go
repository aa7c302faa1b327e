package main

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"testing"
)

func TestParseSizes(t *testing.T) {
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"10,100,1000", "[10 100 1000]", true},
		{" 1 , 50000", "[1 50000]", true},
		{"100,10", "", false},
		{"10,10", "", false},
		{"0", "", false},
		{"50001", "", false},
		{"10,,100", "", false},
		{"x", "", false},
	}
	for _, tt := range tests {
		got, err := parseSizes(tt.in)
		if (err == nil) != tt.ok {
			t.Errorf("parseSizes(%q): error %v, want ok %v", tt.in, err, tt.ok)
			continue
		}
		if tt.ok && fmt.Sprint(got) != tt.want {
			t.Errorf("parseSizes(%q) = %v, want %s", tt.in, got, tt.want)
		}
	}
}

// The chart is well-formed XML with one line per call, and a point for
// every measured cell only: select has none past 1024.
func TestChart(t *testing.T) {
	rows := []row{
		{n: 10, sel: 3000, pol: 2000, epo: 1900},
		{n: 1000, sel: 130000, pol: 80000, epo: 1700},
		{n: 10000, pol: 3000000, epo: 1500},
	}
	svg := chart(rows)
	d := xml.NewDecoder(strings.NewReader(svg))
	lines, circles := 0, 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, svg)
		}
		if se, ok := tok.(xml.StartElement); ok {
			switch se.Name.Local {
			case "polyline":
				lines++
			case "circle":
				circles++
			}
		}
	}
	if lines != 3 || circles != 2+3+3 {
		t.Errorf("%d polylines and %d points, want 3 and 8", lines, circles)
	}
	for _, label := range []string{">10<", ">10k<", ">1 µs<", ">10 ms<",
		">select<", ">epoll<"} {
		if !strings.Contains(svg, label) {
			t.Errorf("chart has no label %s", label)
		}
	}
}

func Example_duration() {
	for _, ns := range []float64{100, 1e3, 1e5, 1e7} {
		fmt.Print(duration(ns), ", ")
	}
	fmt.Println(count(10), count(1e4))
	// Output: 100 ns, 1 µs, 100 µs, 10 ms, 10 10k
}

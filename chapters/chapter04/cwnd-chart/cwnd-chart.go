// Cwnd-chart draws the congestion window over time from the TCP_INFO
// samples that lossy-link prints with -info, one line per run: to
// compare congestion control algorithms on the same path.
//
// Usage:
//
//	cwnd-chart -o FILE REPORT...
//
// Each REPORT is the output of a run such as
//
//	lossy-link -delay 25ms -rate 10Mbit -queue 30 -bytes 3000000 \
//	    -cc reno -info 20ms > reno.txt
//
// The line is named after the algorithm in the report; the title
// after the link of the first report. The file's extension picks the
// format (svg, png, pdf). It prints one summary line per report:
// largest window, the number of times it shrank, segments
// retransmitted, time to the last sample.
package main

//notebook:compiled it draws its chart with gonum.org/v1/plot, a module the interpreter cannot load

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"image/color"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

const usage = "usage: cwnd-chart -o FILE REPORT..."

// usageError marks a bad command line: main exits 2 for it.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "cwnd-chart: error: %v\n", err)
		if _, ok := err.(*usageError); ok {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("cwnd-chart", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	out := fs.String("o", "", "write the chart to `file`")
	if err := fs.Parse(args); err == flag.ErrHelp {
		fmt.Println(usage)
		return nil
	} else if err != nil {
		return &usageError{err.Error()}
	}
	if *out == "" || fs.NArg() == 0 {
		return &usageError{"want -o FILE and at least one report"}
	}
	var runs []*report
	for _, name := range fs.Args() {
		r, err := readReport(name)
		if err != nil {
			return err
		}
		runs = append(runs, r)
	}
	for _, r := range runs {
		fmt.Println(r.summary())
	}
	return draw1(runs, *out)
}

// point is one TCP_INFO sample.
type point struct {
	t, cwnd, ssthresh, rtt float64 // ssthresh < 0: still infinite
	retrans                int
}

// report is one lossy-link run with -info.
type report struct {
	name, link string
	points     []point
}

func readReport(name string) (*report, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := &report{}
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		l := sc.Text()
		if v, ok := strings.CutPrefix(l, "link up: "); ok && r.link == "" {
			r.link = v
		}
		if v, ok := strings.CutPrefix(l, "client: TCP_INFO samples ("); ok {
			r.name, _, _ = strings.Cut(v, ")")
		}
		f := strings.Fields(l)
		if len(f) != 7 || f[0] != "info" {
			continue
		}
		// info TIME CWND SSTHRESH RTT RETRANS ACKED
		var p point
		var errs [5]error
		p.t, errs[0] = strconv.ParseFloat(f[1], 64)
		p.cwnd, errs[1] = strconv.ParseFloat(f[2], 64)
		p.ssthresh = -1
		if f[3] != "-" {
			p.ssthresh, errs[2] = strconv.ParseFloat(f[3], 64)
		}
		p.rtt, errs[3] = strconv.ParseFloat(f[4], 64)
		p.retrans, errs[4] = strconv.Atoi(f[5])
		for _, e := range errs {
			if e != nil {
				return nil, fmt.Errorf("%s:%d: bad sample %q", name, line, l)
			}
		}
		r.points = append(r.points, p)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(r.points) == 0 {
		return nil, fmt.Errorf("%s: no TCP_INFO samples (run lossy-link "+
			"with -info)", name)
	}
	if r.name == "" {
		r.name = filepath.Base(name)
	}
	return r, nil
}

// summary: the largest window, how often it shrank, retransmissions.
func (r *report) summary() string {
	top, cuts := 0.0, 0
	for i, p := range r.points {
		if p.cwnd > top {
			top = p.cwnd
		}
		if i > 0 && p.cwnd < r.points[i-1].cwnd {
			cuts++
		}
	}
	last := r.points[len(r.points)-1]
	return fmt.Sprintf("%-8s max cwnd %3.0f segments, shrank %2d times, "+
		"%3d segments retransmitted, %.2f s", r.name, top, cuts,
		last.retrans, last.t)
}

// pathSize reads "(delay 25ms, rate 10Mbit, queue 30)" from a link's
// description and returns its bandwidth-delay product and queue, in
// segments of 1448 bytes.
func pathSize(link string) (bdp, queue float64, ok bool) {
	var delay time.Duration
	var rate float64
	if i := strings.IndexByte(link, '('); i >= 0 {
		link = link[i:]
	}
	for _, part := range strings.Split(strings.Trim(link, "()"), ", ") {
		k, v, _ := strings.Cut(part, " ")
		switch k {
		case "delay":
			delay, _ = time.ParseDuration(v)
		case "rate":
			if n, ok := strings.CutSuffix(v, "Mbit"); ok {
				r, _ := strconv.ParseFloat(n, 64)
				rate = r * 1e6
			}
		case "queue":
			queue, _ = strconv.ParseFloat(v, 64)
		}
	}
	if delay == 0 || rate == 0 {
		return 0, 0, false
	}
	return rate / 8 * (2 * delay).Seconds() / 1448, queue, true
}

var palette = []color.Color{
	color.RGBA{0x1f, 0x77, 0xb4, 0xff}, color.RGBA{0xd6, 0x27, 0x28, 0xff},
	color.RGBA{0x2c, 0xa0, 0x2c, 0xff}, color.RGBA{0xff, 0x7f, 0x0e, 0xff},
}

// draw1 draws cwnd against time, one line per report, and each
// report's ssthresh as a dashed line of the same colour.
func draw1(runs []*report, file string) error {
	p := plot.New()
	p.Title.Text = "congestion window, " + runs[0].link
	p.X.Label.Text = "time since the first write (s)"
	p.Y.Label.Text = "segments"
	p.Y.Min = 0
	p.Legend.Top = true
	top := 1.0
	for i, r := range runs {
		var cw, th plotter.XYs
		for _, pt := range r.points {
			cw = append(cw, plotter.XY{X: pt.t, Y: pt.cwnd})
			if pt.cwnd > top {
				top = pt.cwnd
			}
			if pt.ssthresh >= 0 {
				th = append(th, plotter.XY{X: pt.t, Y: pt.ssthresh})
			}
		}
		c := palette[i%len(palette)]
		l, err := plotter.NewLine(cw)
		if err != nil {
			return err
		}
		l.Color, l.Width = c, vg.Points(1.5)
		p.Add(l)
		p.Legend.Add(r.name+" cwnd", l)
		if len(th) > 0 {
			d, err := plotter.NewLine(th)
			if err != nil {
				return err
			}
			d.Color, d.Width = c, vg.Points(0.8)
			d.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
			p.Add(d)
			p.Legend.Add(r.name+" ssthresh", d)
		}
	}
	// What the path holds, when the link says: its bandwidth-delay
	// product (rate times the round trip, in 1448-byte segments), and
	// that plus the packets its queue takes. A window above the second
	// line must lose packets.
	if bdp, queue, ok := pathSize(runs[0].link); ok {
		t1 := runs[0].points[len(runs[0].points)-1].t
		for _, h := range []struct {
			name string
			y    float64
		}{{"BDP", bdp}, {"BDP + queue", bdp + queue}} {
			l, err := plotter.NewLine(plotter.XYs{{X: 0, Y: h.y}, {X: t1, Y: h.y}})
			if err != nil {
				return err
			}
			l.Color = color.Gray{0x90}
			l.Width = vg.Points(0.6)
			l.Dashes = []vg.Length{vg.Points(1), vg.Points(2)}
			p.Add(l)
			p.Legend.Add(fmt.Sprintf("%s (%.0f)", h.name, h.y), l)
		}
	}
	// Headroom above the lines for the legend.
	p.Y.Max = top * 1.8
	format := strings.TrimPrefix(filepath.Ext(file), ".")
	c, err := draw.NewFormattedCanvas(7*vg.Inch, 4*vg.Inch, format)
	if err != nil {
		return &usageError{fmt.Sprintf("-o %s: %v", file, err)}
	}
	p.Draw(draw.New(c))
	// Written to a temporary file first, renamed into place: a reader
	// never sees half a chart.
	tmp, err := os.CreateTemp(filepath.Dir(file), ".cwnd-chart-*")
	if err != nil {
		return err
	}
	if _, err := c.WriteTo(tmp); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Rename(tmp.Name(), file); err != nil {
		os.Remove(tmp.Name())
		return errors.New("cwnd-chart: " + err.Error())
	}
	return nil
}

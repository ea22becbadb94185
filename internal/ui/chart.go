package ui

import (
	"fmt"
	"math"
)

// chart is a bar chart drawn as SVG by the template: the console plots
// without a JavaScript chart library (and within a CSP with no inline
// script).
type chart struct {
	Title  string
	Width  int
	Height int
	Bars   []bar
	// Max is the value of the tallest bar, shown on the axis.
	Max   float64
	Unit  string
	First string
	Last  string
}

type bar struct {
	X, Y, W, H float64
	Label      string
	Value      float64
}

// Chart geometry, in SVG user units.
const (
	chartW   = 480
	chartH   = 120
	chartPad = 16
)

// newChart lays values out as bars, each labelled.
func newChart(title, unit string, labels []string, values []float64) chart {
	c := chart{Title: title, Unit: unit, Width: chartW, Height: chartH + chartPad}
	for _, v := range values {
		c.Max = math.Max(c.Max, v)
	}
	if len(values) == 0 {
		return c
	}
	slot := float64(chartW) / float64(len(values))
	for i, v := range values {
		h := 0.0
		if c.Max > 0 {
			h = v / c.Max * (chartH - 2)
		}
		c.Bars = append(c.Bars, bar{X: float64(i)*slot + 1, Y: chartH - h, W: math.Max(slot-2, 1), H: h,
			Label: labels[i], Value: v})
	}
	c.First, c.Last = labels[0], labels[len(labels)-1]
	return c
}

// MaxText is the axis label of the tallest bar.
func (c chart) MaxText() string {
	return fmt.Sprintf("%.4g %s", c.Max, c.Unit)
}

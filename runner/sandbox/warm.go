package sandbox

// A warm interpreter: a cells child started before it is needed, so
// that running a cell does not wait for the runner's binary to start
// and load the interpreter's symbols (most of a cold start). Only the
// interactive notebook asks for one; -check and -update start cold.

import (
	"strconv"
	"time"
)

// Warm starts a cells interpreter for the next StartCells to take, and
// from then on starts a new one each time one is taken. It returns at
// once.
func (l *Launcher) Warm() {
	l.mu.Lock()
	l.warmOn = true
	l.mu.Unlock()
	go l.startWarm()
}

// Cool ends the waiting warm interpreter and starts no more.
func (l *Launcher) Cool() {
	l.mu.Lock()
	w := l.warm
	l.warm, l.warmOn = nil, false
	l.mu.Unlock()
	if w != nil {
		w.Kill()
		<-w.p.done
	}
}

func (l *Launcher) startWarm() {
	c, err := l.startCells(l.runDir)
	if err != nil {
		return // a cold start will do
	}
	// A first cell waits for the interpreter to be loaded, and makes the
	// import the move to a working directory needs.
	// The alias keeps the reader's own cells free to import os or not.
	_, res, err := c.Run(Cell{File: "warm", Line: 1, Src: "import nbwarmos \"os\"\n"}, 10*time.Second)
	if err != nil || res.Err != "" {
		c.Kill()
		<-c.p.done
		return
	}
	l.mu.Lock()
	if l.warm != nil || !l.warmOn {
		l.mu.Unlock()
		c.Kill()
		<-c.p.done
		return
	}
	l.warm = c
	l.mu.Unlock()
}

// takeWarm hands out the warm interpreter, moved to cwd, or nil.
func (l *Launcher) takeWarm(cwd string) *Cells {
	l.mu.Lock()
	c, on := l.warm, l.warmOn
	l.warm = nil
	l.mu.Unlock()
	if !on {
		return nil
	}
	go l.startWarm() // for the next one
	if c == nil {
		return nil
	}
	_, res, err := c.Run(Cell{File: "warm", Line: 1,
		Src: "nbwarmos.Chdir(" + strconv.Quote(cwd) + ")\n"}, 5*time.Second)
	if err != nil || res.Err != "" {
		c.Kill()
		<-c.p.done
		return nil
	}
	return c
}

// WarmReady reports whether a warm interpreter is waiting, loaded.
func (l *Launcher) WarmReady() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.warm != nil
}

// WarmOn reports whether Warm was called (and Cool was not).
func (l *Launcher) WarmOn() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.warmOn
}

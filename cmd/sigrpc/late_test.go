package main

import (
	"slices"
	"sync"
	"testing"
	"time"
)

// TestLateStartRunsEachStepOnceAndStopsThemInReverse: steps added before
// the late start run at it, in order, once however often it is begun;
// a step added after it runs at once; End stops what started, the last
// one first, and starts nothing more.
func TestLateStartRunsEachStepOnceAndStopsThemInReverse(t *testing.T) {
	var mu sync.Mutex
	var log []string
	note := func(s string) { mu.Lock(); log = append(log, s); mu.Unlock() }
	step := func(name string) func() func() {
		return func() func() { note("start " + name); return func() { note("stop " + name) } }
	}
	l := &lateStart{}
	l.Add(step("a"))
	l.Add(func() func() { note("start b"); return nil }) // nothing to stop
	if len(log) != 0 {
		t.Fatalf("steps ran before the late start: %v", log)
	}
	l.Start()
	l.Start()
	l.Add(step("c"))
	l.End()
	l.Add(step("d"))
	l.Start()
	l.End()
	want := []string{"start a", "start b", "start c", "stop c", "stop a"}
	if !slices.Equal(log, want) {
		t.Fatalf("ran %v, want %v", log, want)
	}
}

// TestLateStartComesAfterItsDelay, or never once the session has ended.
func TestLateStartComesAfterItsDelay(t *testing.T) {
	started := make(chan struct{})
	l := &lateStart{}
	l.Add(func() func() { close(started); return nil })
	l.StartAfter(time.Millisecond)
	select {
	case <-started:
	case <-time.After(10 * time.Second):
		t.Fatal("no late start 10 s after a delay of 1 ms")
	}
	l.End()

	ended := &lateStart{}
	ended.Add(func() func() { t.Error("a step started after End"); return nil })
	ended.StartAfter(time.Millisecond)
	ended.End()
	time.Sleep(20 * time.Millisecond)
}

// TestEndWaitsForAStartUnderWay: End, called while the late start is
// running its steps, returns only once they have started, and stops them.
func TestEndWaitsForAStartUnderWay(t *testing.T) {
	l := &lateStart{}
	inStep, stopped := make(chan struct{}), make(chan struct{})
	release := make(chan struct{})
	l.Add(func() func() {
		close(inStep)
		<-release
		return func() { close(stopped) }
	})
	go l.Start()
	<-inStep
	ended := make(chan struct{})
	go func() { l.End(); close(ended) }()
	select {
	case <-ended:
		t.Fatal("End returned while a step was starting")
	case <-time.After(20 * time.Millisecond):
	}
	close(release)
	<-ended
	select {
	case <-stopped:
	default:
		t.Fatal("End did not stop the step that was starting")
	}
}

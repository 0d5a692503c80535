package main

import (
	"runtime"
	"time"
)

// runtimeLockAndSleep pins the goroutine to an OS thread and blocks it, so
// that the Go runtime has to start new threads for the others.
func runtimeLockAndSleep() {
	runtime.LockOSThread()
	time.Sleep(20 * time.Millisecond)
}

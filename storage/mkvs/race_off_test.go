//go:build !race

package mkvs

const raceEnabled = false

package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// sdkLog is the SDK's log file (sdklog.Path), unlinked once open so that
// nothing is left behind however the process ends. lumberjack, the SDK's log
// writer, keeps its own descriptor (O_APPEND) open from the first line on, so
// both see one inode; the adapter empties it before each request.
type sdkLog struct {
	path string
	f    *os.File
}

// openSDKLog opens and unlinks the SDK log at path.
func openSDKLog(path string) (*sdkLog, error) {
	l := &sdkLog{path: path}
	if err := l.reopen(); err != nil {
		return nil, err
	}
	return l, nil
}

func (l *sdkLog) reopen() error {
	f, err := os.OpenFile(l.path, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("SDK log: %w", err)
	}
	if err := os.Remove(l.path); err != nil {
		f.Close()
		return fmt.Errorf("SDK log: %w", err)
	}
	if l.f != nil {
		l.f.Close()
	}
	l.f = f
	return nil
}

// reset empties the log before a request. lumberjack recreates the file at
// its path when its own count of written bytes passes 100 MB (rotation): that
// new file is taken over here.
func (l *sdkLog) reset() error {
	if _, err := os.Stat(l.path); err == nil {
		if err := l.reopen(); err != nil {
			return err
		}
	}
	return l.f.Truncate(0)
}

// sdkLine is one JSON line of the SDK's zap logger.
type sdkLine struct {
	Level  string `json:"level"`
	Caller string `json:"caller"`
	Msg    string `json:"msg"`
}

// lines reads what the SDK logged since the last reset.
func (l *sdkLog) lines() ([]sdkLine, error) {
	data, err := io.ReadAll(io.NewSectionReader(l.f, 0, 1<<40))
	if err != nil {
		return nil, err
	}
	var out []sdkLine
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 1<<20), 64<<20) // a verifier log is one line
	for sc.Scan() {
		var line sdkLine
		if json.Unmarshal(sc.Bytes(), &line) == nil {
			out = append(out, line)
		}
	}
	if err := sc.Err(); err != nil && !errors.Is(err, io.EOF) {
		return out, err
	}
	return out, nil
}

// verifierLogPrefix is how progs.LoadProg logs the verifier's log of a
// refused program (at level info); the SDK returns only the errno.
const verifierLogPrefix = "Verifier log: "

// verifierLog is the last verifier log in lines, keeping the tail when it is
// longer than maxVerifierLog.
func verifierLog(lines []sdkLine) *string {
	for i := len(lines) - 1; i >= 0; i-- {
		if text, ok := strings.CutPrefix(lines[i].Msg, verifierLogPrefix); ok {
			if len(text) > maxVerifierLog {
				text = "...\n" + text[len(text)-maxVerifierLog:]
			}
			return &text
		}
	}
	return nil
}

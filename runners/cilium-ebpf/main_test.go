package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// A recovered panic is an internal error naming the panic and where it
// happened, never a refusal of the object.
func TestAPanicIsAnInternalErrorNotARefusal(t *testing.T) {
	id := int64(7)
	reply := func() (r runReply) {
		defer func() {
			if p := recover(); p != nil {
				r = panicReply(&id, p)
			}
		}()
		var table map[string]int
		table["x"] = 1 // assignment to entry in nil map
		return runReply{}
	}()
	if reply.ErrorKind == nil || *reply.ErrorKind != errInternal {
		t.Fatalf("error_kind %v, want internal", reply.ErrorKind)
	}
	if *reply.ID != id || reply.Phase != "open" || reply.Retval != nil {
		t.Fatalf("reply %+v", reply)
	}
	msg := *reply.Error
	for _, want := range []string{"internal error: panic: assignment to entry in nil map",
		"TestAPanicIsAnInternalErrorNotARefusal", "main_test.go:"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
}

// Requests the adapter cannot serve are internal errors that echo the id.
func TestBadRequestsAreInternalErrors(t *testing.T) {
	for _, line := range []string{
		`{not json`,
		`{"op": "frobnicate", "id": 3}`,
		`{"op": "run", "id": 4, "program": "x"}`,
		`{"op": "run", "id": 5, "elf": "/x.o", "program": "p", "skip": ["data.data"]}`,
		`{"op": "run", "id": 6, "elf": "/x.o", "program": "p", "data_in": "zz"}`,
	} {
		reply, bye := handle([]byte(line))
		data, _ := json.Marshal(reply)
		var got map[string]any
		if err := json.Unmarshal(data, &got); err != nil || bye {
			t.Fatalf("%s: %v %v", line, err, bye)
		}
		if got["error_kind"] != errInternal || got["phase"] != "open" {
			t.Errorf("%s: reply %s", line, data)
		}
	}
}

package switchboard_test

import (
	"encoding/json"
	"os"
	"slices"
	"testing"

	"github.com/switchboard-dev/switchboard/clients/go/switchboard"
)

// TestOptionIDsMatchTheSharedVectors checks Options against the vectors every client helper
// shares (clients/testdata/option_ids.json).
func TestOptionIDsMatchTheSharedVectors(t *testing.T) {
	raw, err := os.ReadFile("../../testdata/option_ids.json")
	if err != nil {
		t.Fatal(err)
	}
	var vectors struct {
		Cases []struct {
			Labels []string `json:"labels"`
			IDs    []string `json:"ids"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(raw, &vectors); err != nil {
		t.Fatal(err)
	}
	if len(vectors.Cases) == 0 {
		t.Fatal("no cases in option_ids.json")
	}
	for _, c := range vectors.Cases {
		var ids, labels []string
		for _, o := range switchboard.Options(c.Labels...) {
			ids = append(ids, o.GetId())
			labels = append(labels, o.GetLabel())
		}
		if !slices.Equal(ids, c.IDs) || !slices.Equal(labels, c.Labels) {
			t.Errorf("Options(%q) ids = %q, want %q", c.Labels, ids, c.IDs)
		}
	}
}

package sqlite

import "testing"

// TestLogStatsObserve: frames count per generation of the log, and a
// checkpoint that copied frames counts the log's fsync, and the
// database file's when it copied all of the log.
func TestLogStatsObserve(t *testing.T) {
	type look struct {
		gen                   uint32
		logged, copied        int
		wantFrames, wantSyncs int64
	}
	tests := []struct {
		name  string
		looks []look
	}{
		{"a log copied whole", []look{{1, 10, 10, 10, 2}}},
		{"a reader holds back the copy", []look{{1, 10, 6, 10, 1}, {1, 10, 10, 10, 3}}},
		{"nothing new", []look{{1, 10, 10, 10, 2}, {1, 10, 10, 10, 2}}},
		{"the log grows between looks", []look{{1, 10, 10, 10, 2}, {1, 25, 25, 25, 4}}},
		{"a new generation, smaller", []look{{1, 10, 10, 10, 2}, {2, 4, 4, 14, 4}}},
		{"a new generation, larger", []look{{1, 10, 10, 10, 2}, {2, 30, 30, 40, 4}}},
		{"a new generation not yet copied", []look{{1, 10, 10, 10, 2}, {2, 5, 0, 15, 2}, {2, 5, 5, 15, 4}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var l logStats
			for i, k := range tc.looks {
				l.observe(k.gen, 4096, k.logged, k.copied)
				if f, s := l.frames.Load(), l.syncs.Load(); f != k.wantFrames || s != k.wantSyncs {
					t.Fatalf("look %d: %d frames and %d fsyncs, want %d and %d", i, f, s, k.wantFrames, k.wantSyncs)
				}
			}
			if l.frameSize.Load() != 24+4096 {
				t.Errorf("frame size %d", l.frameSize.Load())
			}
		})
	}
}

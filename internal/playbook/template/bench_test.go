package template

import (
	"context"
	"testing"
)

// BenchmarkRenderSeedBody is the hot path of a push: the seed's body, six
// fields, compiled once and rendered per alert.
func BenchmarkRenderSeedBody(b *testing.B) {
	tpl := mustCompile(b, seedBody(b), Options{JSON: true})
	data := seedData(`Suspicious "PowerShell" <encoded> & more`)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tpl.Render(ctx, data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRenderSeedBodyParallel shows throughput with every core busy.
func BenchmarkRenderSeedBodyParallel(b *testing.B) {
	tpl := mustCompile(b, seedBody(b), Options{JSON: true})
	data := seedData("Suspicious PowerShell")
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := tpl.Render(context.Background(), data); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func BenchmarkCompileSeedBody(b *testing.B) {
	src := seedBody(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compile("seed", src, Options{JSON: true}); err != nil {
			b.Fatal(err)
		}
	}
}

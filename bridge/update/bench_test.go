package update

import "testing"

func BenchmarkSignature_Recover(b *testing.B) {
	u := sampleUpdate()
	sig := u.Sign(testKey(1))
	d := u.Digest()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := sig.Recover(d); err != nil {
			b.Fatal(err)
		}
	}
}

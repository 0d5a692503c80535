package compute

import "github.com/atoll-dev/atoll/worker/storage"

// DiffFetcher returns the fetcher this worker catches up with: finalized
// rounds' write logs from the runtime's storage committee. Readers of the
// replica (the RPC indexer) use it for the rounds whose IO tree the
// replica does not hold (a node restored from a checkpoint). Results are
// untrusted; callers verify them against the header.
func (w *Worker) DiffFetcher() storage.Fetcher { return w.fetch }

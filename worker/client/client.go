package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/atoll-dev/atoll/consensus/registry"
	"github.com/atoll-dev/atoll/worker/submit"
)

// ErrRejected is returned when the node refused the transaction (the
// runtime's admission check, a full pool, a malformed request).
var ErrRejected = errors.New("client: transaction rejected")

// Client submits transactions of one runtime to one node. It is safe for
// concurrent use.
type Client struct {
	// URL is the node's submission server, e.g. "http://127.0.0.1:8899".
	URL     string
	Runtime registry.RuntimeID
	// HTTP is the client used (http.DefaultClient when nil).
	HTTP *http.Client
	// Single sends each transaction in a request of its own. By default
	// concurrent submissions share batch requests (submit.BatchPath), one
	// connection for many transactions, falling back to single requests
	// against a node without the batch endpoint.
	Single bool

	batch batcher
}

var _ submit.Submitter = (*Client)(nil)

// SubmitTx implements submit.Submitter: it returns once the transaction's
// round is finalized, or ctx ends.
func (c *Client) SubmitTx(ctx context.Context, tx []byte) (*submit.TxResult, error) {
	if c.Single || c.batch.unsupported.Load() {
		return c.submitOne(ctx, tx)
	}
	return c.submitBatched(ctx, tx)
}

func (c *Client) httpClient() *http.Client {
	if c.HTTP == nil {
		return http.DefaultClient
	}
	return c.HTTP
}

// submitOne submits tx in a request of its own.
func (c *Client) submitOne(ctx context.Context, tx []byte) (*submit.TxResult, error) {
	body, _ := json.Marshal(submit.Request{Tx: tx})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(c.URL, "/")+submit.Path(c.Runtime), bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("client: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.httpClient().Do(req)
	if err != nil {
		return nil, fmt.Errorf("client: submitting: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, answerError(resp)
	}
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, fmt.Errorf("client: reading answer: %w", err)
	}
	var r submit.TxResult
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, fmt.Errorf("client: malformed answer: %w", err)
	}
	return &r, nil
}

// answerError is the error of a non-200 answer: ErrRejected for what the
// node refused (422, 400).
func answerError(resp *http.Response) error {
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var e submit.ErrorResponse
	if json.Unmarshal(raw, &e) != nil || e.Error == "" {
		e.Error = strings.TrimSpace(string(raw))
	}
	if resp.StatusCode == http.StatusUnprocessableEntity || resp.StatusCode == http.StatusBadRequest {
		return fmt.Errorf("%w: %s", ErrRejected, e.Error)
	}
	return fmt.Errorf("client: node answered %d: %s", resp.StatusCode, e.Error)
}

//go:build tools

// Package tools pins the Temporal binaries order-relay builds from the Go module proxy into .tools/bin
// (src/temporal/go-tools.ts): the CLI, whose `server start-dev` is the embedded default, and the server
// and schema tool the cluster tests run on PostgreSQL. One module, one go.sum: the server is built at
// the very versions the CLI embeds, so it reuses the CLI's compiled packages (seconds instead of
// a second cold build), and every download is checked against go.sum.
package tools

import (
	_ "github.com/temporalio/cli/cmd/temporal"
	_ "go.temporal.io/server/cmd/server"
	_ "go.temporal.io/server/cmd/tools/sql"
)

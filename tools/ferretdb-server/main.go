// Command ferretdb-server runs an embedded FerretDB (SQLite backend) for
// nsctl's tests and demo. It prints the MongoDB URI on stdout once the
// listener is ready, and exits when it receives SIGINT/SIGTERM or when its
// standard input is closed (so a parent that dies never leaves it behind).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	dir := flag.String("dir", "", "directory for SQLite files (must exist)")
	listen := flag.String("listen", "127.0.0.1:0", "TCP address to listen on")
	watchStdin := flag.Bool("watch-stdin", false, "exit when stdin reaches EOF")
	logLevel := flag.String("log-level", "error", "debug, info, warn or error")
	flag.Parse()

	if *dir == "" {
		fmt.Fprintln(os.Stderr, "ferretdb-server: -dir is required")
		os.Exit(2)
	}

	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fmt.Fprintln(os.Stderr, "ferretdb-server: bad -log-level:", err)
		os.Exit(2)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	// The SQLite URL must name a directory and end with a slash.
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: *listen},
		Handler:   "sqlite",
		SQLiteURL: "file:" + *dir + "/",
		Logger:    logger,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "ferretdb-server:", err)
		os.Exit(1)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if *watchStdin {
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			stop()
		}()
	}

	done := make(chan struct{})
	go func() {
		_ = f.Run(ctx)
		close(done)
	}()

	// MongoDBURI blocks until the listener is bound.
	fmt.Println(f.MongoDBURI())

	<-done
}

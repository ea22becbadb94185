package app

import (
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/spf13/cobra"

	"github.com/alertsync/alertsync/internal/api"
)

// logFormatFlag is the global flag that picks the log line format.
const logFormatFlag = "log-format"

// logFormatOf reads --log-format from cmd or the root it inherits it from.
func logFormatOf(cmd *cobra.Command) (string, error) {
	f := cmd.Flag(logFormatFlag)
	if f == nil {
		return "text", nil
	}
	switch v := strings.ToLower(f.Value.String()); v {
	case "text", "json":
		return v, nil
	default:
		return "", fmt.Errorf("--%s: want text or json, got %q", logFormatFlag, f.Value.String())
	}
}

// CommandLogger is the logger a subcommand writes to w: the format the
// global --log-format flag chose, at level (debug, info, warn or error;
// anything else is info). Subcommands registered from other packages call
// it so every command honours the flag.
func CommandLogger(cmd *cobra.Command, w io.Writer, level string) (*slog.Logger, error) {
	format, err := logFormatOf(cmd)
	if err != nil {
		return nil, err
	}
	return newLogger(w, level, format), nil
}

// newLogger builds the root logger. Its handler adds the request id to
// every line logged while serving an API request (api.LogHandler), in the
// API and in the engine and connectors below it.
func newLogger(w io.Writer, level, format string) *slog.Logger {
	opts := &slog.HandlerOptions{Level: parseLevel(level)}
	var h slog.Handler = slog.NewTextHandler(w, opts)
	if format == "json" {
		h = slog.NewJSONHandler(w, opts)
	}
	return slog.New(api.LogHandler(h))
}

func parseLevel(level string) slog.Level {
	switch strings.ToLower(level) {
	case "debug":
		return slog.LevelDebug
	case "warn":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	}
	return slog.LevelInfo
}

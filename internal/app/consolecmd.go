package app

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/alertsync/alertsync/internal/config"
	"github.com/alertsync/alertsync/internal/ui"
)

func init() { RegisterCommand(consoleCmd) }

// consoleCmd holds the web console's helpers: `alertsync console
// hash-password` makes the hash a console user's password_hash holds.
func consoleCmd(_ func() (config.Config, error), stdout, _ io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "console",
		Short: "Helpers for the web console (console.users in the config)",
	}
	hash := &cobra.Command{
		Use:   "hash-password",
		Short: "Read a password on standard input and print its bcrypt hash for console.users[].password_hash",
		Long: "Read one line from standard input, the password, and print its bcrypt hash (cost " + fmt.Sprint(ui.HashCost) + ") for\n" +
			"console.users[].password_hash. The password is never written to the config, and the hash is not\n" +
			"either when the config refers to it (${env:NAME} or ${file:PATH}). Typed on a terminal the\n" +
			"password shows as typed; to keep it off the screen:\n\n" +
			"  read -rs PW && printf '%s\\n' \"$PW\" | alertsync console hash-password\n\n" + docsPointer,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			pw, err := readPassword(cmd.InOrStdin())
			if err != nil {
				return err
			}
			h, err := ui.HashPassword(pw)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintln(stdout, h)
			return err
		},
	}
	root.AddCommand(hash)
	return root
}

// readPassword reads the first line of r, without its line ending.
func readPassword(r io.Reader) (string, error) {
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read the password: %w", err)
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return "", errors.New("read the password: standard input held none")
	}
	return pw, nil
}

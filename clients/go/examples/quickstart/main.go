package main

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/switchboard-dev/switchboard/clients/go/switchboard"
)

func main() {
	ctx := context.Background()
	// Reads SWITCHBOARD_URL (e.g. http://127.0.0.1:8080) and SWITCHBOARD_API_KEY (sb_live_...).
	agent, err := switchboard.NewAgentFromEnv("changelog-bot")
	if err != nil {
		log.Fatal(err)
	}
	defer agent.Close()
	sess, err := agent.StartSession(ctx, switchboard.StartOptions{Name: "Tidy the changelog"})
	if err != nil {
		log.Fatal(err)
	}
	sess.Step(ctx, "Read CHANGELOG.md")
	sess.Step(ctx, "Found 3 duplicate entries")
	answer, err := sess.Ask(ctx, switchboard.Question{
		Text:    "Remove the duplicates?",
		Options: switchboard.Options("Remove them", "Keep them"), // ids: "remove-them", "keep-them"
		// After 10 minutes without an answer, the server answers "keep-them".
		Timeout: 10 * time.Minute, DefaultOptionIDs: []string{"keep-them"},
	})
	if err != nil {
		sess.Finish(ctx, err) // FAILED, with the error as the summary
		log.Fatal(err)
	}
	fmt.Println("The person chose:", answer.GetOptionIds())
	sess.Finish(ctx, nil) // COMPLETED
}

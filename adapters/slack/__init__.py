"""The Slack adapter: slack-bolt (HTTP Events API and Socket Mode) in, Block Kit and the Web API out.

Modules: `inbound` (pure payload -> Event), `render` (Message -> Block Kit), `outbound` (actions
-> Web API calls), `errors` (Slack errors -> Porch's typed errors), `adapter` (lifecycle and
wiring), `factory` (settings -> adapter), `manifest` and `cli` (`porch slack manifest`).
Only `adapter`, `outbound` and `errors` import slack_sdk / slack_bolt.
"""

/**
 * Shell completion scripts for bash, zsh and fish, generated from the command tree (commands,
 * sub-commands and each one's options), so they never fall behind the CLI.
 */
import type { CommandShape } from "./registry.ts";

export const SHELLS = ["bash", "zsh", "fish"] as const;
export type Shell = (typeof SHELLS)[number];

const GLOBAL = ["--config", "--data-dir", "-v", "-q", "--quiet", "--help", "--version"];

export function completionScript(shell: Shell, tree: Record<string, CommandShape>): string {
  if (shell === "bash") return bash(tree);
  if (shell === "zsh") return `#compdef ttapi\nautoload -U bashcompinit && bashcompinit\n${bash(tree)}`;
  return fish(tree);
}

function bash(tree: Record<string, CommandShape>): string {
  const subCases: string[] = [];
  const cmdCases: string[] = [];
  for (const [name, c] of Object.entries(tree)) {
    cmdCases.push(`      ${name}) words_="${[...Object.keys(c.subcommands), ...c.options].join(" ")}" ;;`);
    for (const [sub, s] of Object.entries(c.subcommands))
      subCases.push(`    ${name}/${sub}) words_="${s.options.join(" ")}" ;;`);
  }
  const names = Object.keys(tree).join(" ");
  return `# ttapi bash completion: eval "$(ttapi completion bash)" (or save it as a bash-completion file)
_ttapi() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" cmd="" sub="" words_="" i w
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    case "$w" in -*) continue ;; esac
    if [[ -z "$cmd" ]]; then cmd="$w"; elif [[ -z "$sub" ]]; then sub="$w"; fi
  done
  case "$cmd/$sub" in
${subCases.join("\n")}
  esac
  if [[ -z "$words_" ]]; then
    case "$cmd" in
      "") words_="${names} help ${GLOBAL.join(" ")}" ;;
      help) words_="${names}" ;;
${cmdCases.join("\n")}
    esac
  fi
  COMPREPLY=($(compgen -W "$words_" -- "$cur"))
}
complete -o default -F _ttapi ttapi
`;
}

function fish(tree: Record<string, CommandShape>): string {
  const names = Object.keys(tree);
  const lines = [
    "# ttapi fish completion: ttapi completion fish > ~/.config/fish/completions/ttapi.fish",
    "complete -c ttapi -f",
    `complete -c ttapi -n "not __fish_seen_subcommand_from ${names.join(" ")} help" -a "${names.join(" ")} help"`,
  ];
  for (const [name, c] of Object.entries(tree)) {
    const subs = Object.keys(c.subcommands);
    if (subs.length > 0)
      lines.push(
        `complete -c ttapi -n "__fish_seen_subcommand_from ${name}; and not __fish_seen_subcommand_from ${subs.join(" ")}" -a "${subs.join(" ")}"`,
      );
    const opts = new Set([...c.options, ...Object.values(c.subcommands).flatMap((s) => s.options)]);
    for (const o of opts) {
      const flag = o.startsWith("--") ? `-l ${o.slice(2)}` : `-s ${o.slice(1)}`;
      lines.push(`complete -c ttapi -n "__fish_seen_subcommand_from ${name}" ${flag}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

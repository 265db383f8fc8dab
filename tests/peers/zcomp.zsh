#!/usr/bin/env zsh
# zcomp.zsh FPATH_DIR LINE...: for each LINE, print "LINE<TAB>MATCH" for
# every match zsh's completion system offers with the cursor at its end,
# from one interactive zsh in a pseudo-terminal (zsh/zpty) running
# compinit, with compadd wrapped to print each match.  The markers are
# built at run time so that the terminal's echo of the commands cannot
# match them; after each completion, Ctrl-U clears the line.
emulate -L zsh
zmodload zsh/zpty || exit 2
dir=$1
shift
zpty z zsh -f -i || exit 2
zpty -w z "PS1=''; fpath=(${(q)dir} \$fpath); autoload -U compinit; compinit -u -D"
zpty -w z "zstyle ':completion:*' menu no; zstyle ':completion:*' list-prompt ''"
zpty -w z 'compadd() {
  if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "$@"; return; fi
  local -a __hits; builtin compadd -A __hits "$@"
  local h; for h in $__hits; do print -r -- "<M""ATCH>$h"; done
  builtin compadd "$@"
}'
zpty -w z '__end() { print -r -- "<E""ND>" }'
zpty -w z 'print "<READ""Y>"'
local out line
zpty -r z out '*<READY>*' || exit 2
for line in "$@"; do
	# compinit empties comppostfuncs after each completion.
	zpty -w z 'comppostfuncs=(__end)'
	zpty -n -w z "$line"$'\t'
	while zpty -r z out; do
		[[ $out == *'<END>'* ]] && break
		[[ $out == *'<MATCH>'* ]] && print -r -- "$line"$'\t'"${${out##*<MATCH>}%%$'\r'*}"
	done
	zpty -n -w z $'\C-u'
done
zpty -d z

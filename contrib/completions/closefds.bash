# bash completion for closefds(1)
#
# bash splits "--method=cl" into "--method", "=", "cl" when '=' is in
# COMP_WORDBREAKS (the default): the words are joined again here, and the
# replies for a value are the value alone then (bash replaces only the part
# after '='), or the whole "--method=VALUE" when '=' is not a word break.
# Works with and without the bash-completion package (which provides
# _command_offset, used for COMMAND's own arguments).

# The option words, for completing after a dash.
_closefds_options='-k --keep-fd= -p --pass-fd= -m --method= -l --list -v --verbose
	--listen-fds --listen-fds= --listen-fd= --keep-jobserver --audit --verify
	--nofile= --blocking --blocking= --null= --no-keep-fd-args
	-h --help -V --version --'

# The values of an option that takes one (the part after '=' or the next
# word), on stdout, one per line.
_closefds_values()
{
	case $1 in
	-m | --method) compgen -W 'auto close_range proc poll loop' -- "$2" ;;
	--nofile) compgen -W 'safe safe:' -- "$2" ;;
	--null) compgen -W '0 1 2 0,1 0,2 1,2 0,1,2' -- "$2" ;;
	esac
}

_closefds()
{
	local cur prev i word
	local -a words=() rawidx=()
	COMPREPLY=()

	# Join "--opt" "=" "value" back into one word, up to the cursor.
	local cword=0
	for ((i = 0; i <= COMP_CWORD; i++)); do
		word=${COMP_WORDS[i]}
		if [[ $word == = && ${#words[@]} -gt 0 && ${words[-1]} == --* && ${words[-1]} != *=* ]]; then
			words[-1]+="="
		elif [[ $i -gt 0 && ${COMP_WORDS[i - 1]} == = && ${#words[@]} -gt 0 && ${words[-1]} == --*= ]]; then
			words[-1]+=$word
		else
			words+=("$word")
			rawidx+=("$i")
		fi
	done
	cword=$((${#words[@]} - 1))
	cur=${words[cword]}
	prev=
	((cword > 0)) && prev=${words[cword - 1]}

	# After "--" or the first non-option word: COMMAND, then its own
	# arguments with its own completion.
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		--)
			_closefds_command "$((i + 1))"
			return
			;;
		-k | -p | -m | --keep-fd | --pass-fd | --method | --listen-fd | --nofile | --null)
			((i++))
			;;
		-*) ;;
		*)
			_closefds_command "$i"
			return
			;;
		esac
	done

	case $prev in
	-m | --method | --nofile | --null)
		mapfile -t COMPREPLY < <(_closefds_values "$prev" "$cur")
		return
		;;
	-k | -p | --keep-fd | --pass-fd | --listen-fd)
		return
		;;
	esac
	case $cur in
	--*=*)
		local opt=${cur%%=*} value=${cur#*=}
		mapfile -t COMPREPLY < <(_closefds_values "$opt" "$value")
		# bash replaces only what follows the '=' when '=' is a word break.
		if [[ $COMP_WORDBREAKS != *=* ]]; then
			COMPREPLY=("${COMPREPLY[@]/#/$opt=}")
		fi
		;;
	-*)
		mapfile -t COMPREPLY < <(compgen -W "$_closefds_options" -- "$cur")
		# "--keep-fd=": the value follows without a space.
		if [[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} == *= ]]; then
			compopt -o nospace 2>/dev/null
		fi
		;;
	*)
		mapfile -t COMPREPLY < <(compgen -c -- "$cur")
		;;
	esac
}

# COMMAND starts at words[$1]: complete it and its arguments.
_closefds_command()
{
	local start=$1
	if declare -F _command_offset >/dev/null; then
		_command_offset "${rawidx[start]}"
		return
	fi
	if ((cword == start)); then
		mapfile -t COMPREPLY < <(compgen -c -- "$cur")
	else
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
	fi
}
complete -F _closefds closefds

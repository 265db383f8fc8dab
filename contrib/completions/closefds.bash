# bash completion for closefds(1)
_closefds()
{
	local cur prev i
	COMPREPLY=()
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD - 1]}

	# After "--" or the first non-option word, complete COMMAND and its
	# arguments with that command's own completion.
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		--)
			_command_offset $((i + 1)) 2>/dev/null || mapfile -t COMPREPLY < <(compgen -c -- "$cur")
			return
			;;
		-k | -p | -m | --keep-fd | --pass-fd | --method | --listen-fd | --nofile)
			((i++))
			;;
		-*) ;;
		*)
			_command_offset "$i" 2>/dev/null || mapfile -t COMPREPLY < <(compgen -c -- "$cur")
			return
			;;
		esac
	done

	case $prev in
	-m | --method)
		mapfile -t COMPREPLY < <(compgen -W 'auto close_range proc poll loop' -- "$cur")
		return
		;;
	--nofile)
		mapfile -t COMPREPLY < <(compgen -W 'safe safe:' -- "$cur")
		return
		;;
	-k | -p | --keep-fd | --pass-fd | --listen-fd)
		return
		;;
	esac
	case $cur in
	--nofile=*)
		mapfile -t COMPREPLY < <(compgen -W 'safe safe:' -- "${cur#--nofile=}")
		;;
	-*)
		mapfile -t COMPREPLY < <(compgen -W '-k --keep-fd= -p --pass-fd= -m --method= -l --list
			-v --verbose --listen-fds --listen-fd= --keep-jobserver --audit --verify
			--nofile= --blocking --blocking=
			-h --help -V --version --' -- "$cur")
		;;
	*)
		mapfile -t COMPREPLY < <(compgen -c -- "$cur")
		;;
	esac
}
complete -F _closefds closefds

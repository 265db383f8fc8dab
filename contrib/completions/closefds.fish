# fish completion for closefds(1)
#
# closefds's own options only before COMMAND (options stop at "--" or the
# first word that is not an option, as for closefds itself); from there on
# COMMAND and its arguments, with COMMAND's own completions.

# Options whose value may be the next word.
set -g __closefds_with_value -k -p -m --keep-fd --pass-fd --method --listen-fd --nofile --null

function __closefds_options_allowed -d 'true while closefds options may still come'
    set -l tokens (commandline -opc)
    set -e tokens[1]
    set -l skip 0
    for t in $tokens
        if test $skip -eq 1
            set skip 0
            continue
        end
        switch $t
            case --
                return 1
            case '-*'
                contains -- $t $__closefds_with_value; and set skip 1
            case '*'
                return 1
        end
    end
    return 0
end

function __closefds_complete_command -d 'COMMAND and its arguments'
    if __closefds_options_allowed; and string match -q -- '-*' (commandline -ct)
        return
    end
    __fish_complete_subcommand $__closefds_with_value
end

set -l opt -c closefds -n __closefds_options_allowed
complete $opt -s k -l keep-fd -x -d 'Keep these descriptors (N or N-M, comma-separated)'
complete $opt -s p -l pass-fd -x -d 'Hand FD to COMMAND as TARGET (FD[:TARGET])'
complete $opt -s m -l method -x -a 'auto close_range proc poll loop' -d 'Closing method'
complete $opt -s l -l list -d 'Print what would be kept and closed; run nothing'
complete $opt -s v -l verbose -d 'Say which method ran'
complete $opt -l listen-fds -d 'Keep socket activation descriptors (=NAMES: only those)'
complete $opt -l listen-fd -x -d 'Hand FD as the next socket activation descriptor (FD[:NAME])'
complete $opt -l keep-jobserver -d 'Keep the GNU make jobserver pipe'
complete $opt -l audit -d 'Close nothing; report what would be closed'
complete $opt -l verify -d 'Check the result; refuse to run on a leak'
complete $opt -l nofile -x -a 'safe' -d 'Set RLIMIT_NOFILE for COMMAND (SOFT[:HARD], safe)'
complete $opt -l blocking -d 'Clear O_NONBLOCK on these descriptors (default 0,1,2)'
complete $opt -l null -x -a '0 1 2 0,1 0,2 1,2 0,1,2' -d 'Reopen these of 0,1,2 on /dev/null'
complete $opt -l no-keep-fd-args -d 'Close descriptors the arguments name as /dev/fd/N'
complete $opt -s h -l help -d 'Show usage'
complete $opt -s V -l version -d 'Show version'
# COMMAND, then its arguments with its own completions.
complete -c closefds -x -a '(__closefds_complete_command)'
